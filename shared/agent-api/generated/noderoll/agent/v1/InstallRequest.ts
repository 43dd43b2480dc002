// Original file: proto/noderoll/agent/v1/agent.proto


export interface InstallRequest {
  'operationId'?: (string);
  /**
   * Target version, checked against the agent's version pattern.
   */
  'version'?: (string);
}

export interface InstallRequest__Output {
  'operationId': (string);
  /**
   * Target version, checked against the agent's version pattern.
   */
  'version': (string);
}
