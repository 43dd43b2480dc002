// Original file: proto/noderoll/agent/v1/agent.proto


export interface ListOperationsRequest {
  /**
   * 0 = 50; at most 500.
   */
  'limit'?: (number);
}

export interface ListOperationsRequest__Output {
  /**
   * 0 = 50; at most 500.
   */
  'limit': (number);
}
