// Original file: proto/noderoll/agent/v1/agent.proto


export interface GetOperationRequest {
  'operationId'?: (string);
}

export interface GetOperationRequest__Output {
  'operationId': (string);
}
