// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdatePhase {
  'operationId'?: (string);
  'phase'?: (string);
  /**
   * When this phase began; repeating the same operation and phase keeps it.
   */
  'startedUnixMs'?: (number | string | Long);
  'deadlineMs'?: (number);
}

export interface UpdatePhase__Output {
  'operationId': (string);
  'phase': (string);
  /**
   * When this phase began; repeating the same operation and phase keeps it.
   */
  'startedUnixMs': (number);
  'deadlineMs': (number);
}
