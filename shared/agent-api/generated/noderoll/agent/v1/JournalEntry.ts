// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface JournalEntry {
  'cursor'?: (string);
  'realtimeUsec'?: (number | string | Long);
  'bootId'?: (string);
  /**
   * 0..7; 6 (info) when the entry has none.
   */
  'priority'?: (number);
  /**
   * _SYSTEMD_UNIT (empty for kernel lines).
   */
  'unit'?: (string);
  'identifier'?: (string);
  'message'?: (string);
  'pid'?: (number);
  /**
   * MESSAGE was binary (decoded as UTF-8 with replacement characters).
   */
  'messageBinary'?: (boolean);
  /**
   * MESSAGE was cut by the agent's cap, or journalctl omitted it (null: over 4096 bytes).
   */
  'messageTruncated'?: (boolean);
  /**
   * Set when message_binary or message_truncated: "sha256:" and 16 hex digits of the digest of the
   * whole MESSAGE as the agent read it (text with numbers, hex IDs, UUIDs and addresses masked;
   * binary as its bytes), so that two different messages that arrive cut or binary stay apart.
   */
  'messageDigest'?: (string);
}

export interface JournalEntry__Output {
  'cursor': (string);
  'realtimeUsec': (number);
  'bootId': (string);
  /**
   * 0..7; 6 (info) when the entry has none.
   */
  'priority': (number);
  /**
   * _SYSTEMD_UNIT (empty for kernel lines).
   */
  'unit': (string);
  'identifier': (string);
  'message': (string);
  'pid': (number);
  /**
   * MESSAGE was binary (decoded as UTF-8 with replacement characters).
   */
  'messageBinary': (boolean);
  /**
   * MESSAGE was cut by the agent's cap, or journalctl omitted it (null: over 4096 bytes).
   */
  'messageTruncated': (boolean);
  /**
   * Set when message_binary or message_truncated: "sha256:" and 16 hex digits of the digest of the
   * whole MESSAGE as the agent read it (text with numbers, hex IDs, UUIDs and addresses masked;
   * binary as its bytes), so that two different messages that arrive cut or binary stay apart.
   */
  'messageDigest': (string);
}
