// Original file: proto/noderoll/agent/v1/agent.proto


export interface RebootRequest {
  'operationId'?: (string);
  /**
   * Free text for the audit log (at most 200 characters).
   */
  'reason'?: (string);
}

export interface RebootRequest__Output {
  'operationId': (string);
  /**
   * Free text for the audit log (at most 200 characters).
   */
  'reason': (string);
}
