// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface OutputLine {
  'text'?: (string);
  'unixMs'?: (number | string | Long);
}

export interface OutputLine__Output {
  'text': (string);
  'unixMs': (number);
}
