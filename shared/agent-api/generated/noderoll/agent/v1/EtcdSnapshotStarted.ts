// Original file: proto/noderoll/agent/v1/agent.proto


export interface EtcdSnapshotStarted {
  'operationId'?: (string);
  'command'?: (string)[];
  'replayed'?: (boolean);
}

export interface EtcdSnapshotStarted__Output {
  'operationId': (string);
  'command': (string)[];
  'replayed': (boolean);
}
