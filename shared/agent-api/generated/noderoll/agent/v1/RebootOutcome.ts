// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface RebootOutcome {
  'bootIdBefore'?: (string);
  /**
   * Empty until the node came back.
   */
  'bootIdAfter'?: (string);
  'command'?: (string)[];
  'commandIssuedUnixMs'?: (number | string | Long);
  /**
   * Boot time of the new boot.
   */
  'bootTimeUnixMs'?: (number | string | Long);
  /**
   * When the agent of the new boot recorded the completion.
   */
  'completedUnixMs'?: (number | string | Long);
}

export interface RebootOutcome__Output {
  'bootIdBefore': (string);
  /**
   * Empty until the node came back.
   */
  'bootIdAfter': (string);
  'command': (string)[];
  'commandIssuedUnixMs': (number);
  /**
   * Boot time of the new boot.
   */
  'bootTimeUnixMs': (number);
  /**
   * When the agent of the new boot recorded the completion.
   */
  'completedUnixMs': (number);
}
