// Original file: proto/noderoll/agent/v1/agent.proto


export interface SaveEtcdSnapshotRequest {
  'operationId'?: (string);
}

export interface SaveEtcdSnapshotRequest__Output {
  'operationId': (string);
}
