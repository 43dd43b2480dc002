// Original file: proto/noderoll/agent/v1/agent.proto

import type { EtcdSnapshotStarted as _noderoll_agent_v1_EtcdSnapshotStarted, EtcdSnapshotStarted__Output as _noderoll_agent_v1_EtcdSnapshotStarted__Output } from '../../../noderoll/agent/v1/EtcdSnapshotStarted.js';
import type { EtcdSnapshotFinished as _noderoll_agent_v1_EtcdSnapshotFinished, EtcdSnapshotFinished__Output as _noderoll_agent_v1_EtcdSnapshotFinished__Output } from '../../../noderoll/agent/v1/EtcdSnapshotFinished.js';

export interface EtcdSnapshotEvent {
  'started'?: (_noderoll_agent_v1_EtcdSnapshotStarted | null);
  /**
   * The snapshot's bytes, in order, at most 64 KiB each.
   */
  'chunk'?: (Buffer | Uint8Array | string);
  'finished'?: (_noderoll_agent_v1_EtcdSnapshotFinished | null);
  'event'?: "started"|"chunk"|"finished";
}

export interface EtcdSnapshotEvent__Output {
  'started'?: (_noderoll_agent_v1_EtcdSnapshotStarted__Output | null);
  /**
   * The snapshot's bytes, in order, at most 64 KiB each.
   */
  'chunk'?: (Buffer);
  'finished'?: (_noderoll_agent_v1_EtcdSnapshotFinished__Output | null);
  'event'?: "started"|"chunk"|"finished";
}
