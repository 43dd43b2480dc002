// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface EtcdMemberHealth {
  /**
   * Client URL of the member, e.g. https://127.0.0.2:2379.
   */
  'endpoint'?: (string);
  'healthy'?: (boolean);
  /**
   * etcdctl's error for an unhealthy member.
   */
  'error'?: (string);
  'tookMs'?: (number | string | Long);
}

export interface EtcdMemberHealth__Output {
  /**
   * Client URL of the member, e.g. https://127.0.0.2:2379.
   */
  'endpoint': (string);
  'healthy': (boolean);
  /**
   * etcdctl's error for an unhealthy member.
   */
  'error': (string);
  'tookMs': (number);
}
