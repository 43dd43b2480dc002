// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';
import type { Long } from '@grpc/proto-loader';

export interface EtcdSnapshotFinished {
  'operation'?: (_noderoll_agent_v1_Operation | null);
  'sizeBytes'?: (number | string | Long);
  /**
   * Hex SHA-256 of every byte streamed.
   */
  'sha256'?: (string);
  /**
   * From `etcdctl snapshot status -w json`: the snapshot's hash, revision, keys and size. SQLite:
   * hash 0, kine's revision (its highest row ID), total_keys its rows, total_size the file's size.
   */
  'etcdHash'?: (number);
  'revision'?: (number | string | Long);
  'totalKeys'?: (number | string | Long);
  'totalSize'?: (number | string | Long);
  /**
   * "etcd" or "sqlite" ("" from older agents: etcd).
   */
  'datastore'?: (string);
}

export interface EtcdSnapshotFinished__Output {
  'operation': (_noderoll_agent_v1_Operation__Output | null);
  'sizeBytes': (number);
  /**
   * Hex SHA-256 of every byte streamed.
   */
  'sha256': (string);
  /**
   * From `etcdctl snapshot status -w json`: the snapshot's hash, revision, keys and size. SQLite:
   * hash 0, kine's revision (its highest row ID), total_keys its rows, total_size the file's size.
   */
  'etcdHash': (number);
  'revision': (number);
  'totalKeys': (number);
  'totalSize': (number);
  /**
   * "etcd" or "sqlite" ("" from older agents: etcd).
   */
  'datastore': (string);
}
