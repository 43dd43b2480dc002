// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Filesystem {
  'mount'?: (string);
  'device'?: (string);
  'type'?: (string);
  'sizeBytes'?: (number | string | Long);
  'usedBytes'?: (number | string | Long);
  'usePercent'?: (number | string);
}

export interface Filesystem__Output {
  'mount': (string);
  'device': (string);
  'type': (string);
  'sizeBytes': (number);
  'usedBytes': (number);
  'usePercent': (number);
}
