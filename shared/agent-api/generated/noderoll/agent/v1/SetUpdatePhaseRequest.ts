// Original file: proto/noderoll/agent/v1/agent.proto


export interface SetUpdatePhaseRequest {
  /**
   * The coordinator's operation (not an agent operation ID; same grammar).
   */
  'operationId'?: (string);
  /**
   * A runbook step name (verifyClusterHealthy … soakClusterHealth), or idle, done, halted.
   */
  'phase'?: (string);
  /**
   * How long the phase may take before it counts as stuck; 0 = no deadline.
   */
  'deadlineMs'?: (number);
}

export interface SetUpdatePhaseRequest__Output {
  /**
   * The coordinator's operation (not an agent operation ID; same grammar).
   */
  'operationId': (string);
  /**
   * A runbook step name (verifyClusterHealthy … soakClusterHealth), or idle, done, halted.
   */
  'phase': (string);
  /**
   * How long the phase may take before it counts as stuck; 0 = no deadline.
   */
  'deadlineMs': (number);
}
