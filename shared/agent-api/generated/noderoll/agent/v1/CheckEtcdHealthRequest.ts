// Original file: proto/noderoll/agent/v1/agent.proto


export interface CheckEtcdHealthRequest {
  /**
   * How long etcdctl may take; 0 = the agent's default. Capped by the agent.
   */
  'timeoutMs'?: (number);
}

export interface CheckEtcdHealthRequest__Output {
  /**
   * How long etcdctl may take; 0 = the agent's default. Capped by the agent.
   */
  'timeoutMs': (number);
}
