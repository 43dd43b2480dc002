// Original file: proto/noderoll/agent/v1/agent.proto


export interface EnableUnitRequest {
  'operationId'?: (string);
  'unit'?: (string);
  /**
   * `enable --now`: also start it, and wait until it is active.
   */
  'now'?: (boolean);
  'timeoutMs'?: (number);
}

export interface EnableUnitRequest__Output {
  'operationId': (string);
  'unit': (string);
  /**
   * `enable --now`: also start it, and wait until it is active.
   */
  'now': (boolean);
  'timeoutMs': (number);
}
