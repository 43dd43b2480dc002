// Original file: proto/noderoll/agent/v1/agent.proto


export interface UnitActionRequest {
  'operationId'?: (string);
  'unit'?: (string);
  /**
   * How long to wait for the unit to reach the target state; 0 = the agent's default.
   */
  'timeoutMs'?: (number);
}

export interface UnitActionRequest__Output {
  'operationId': (string);
  'unit': (string);
  /**
   * How long to wait for the unit to reach the target state; 0 = the agent's default.
   */
  'timeoutMs': (number);
}
