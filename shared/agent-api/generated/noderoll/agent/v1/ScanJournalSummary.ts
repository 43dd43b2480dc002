// Original file: proto/noderoll/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ScanJournalSummary {
  /**
   * Lines journalctl produced (entries read).
   */
  'entriesRead'?: (number);
  /**
   * Entries that passed include/exclude patterns.
   */
  'entriesMatched'?: (number);
  'entriesSent'?: (number);
  /**
   * Matched entries with priority err or more severe.
   */
  'errorsMatched'?: (number);
  'truncatedByCount'?: (boolean);
  'truncatedByTime'?: (boolean);
  /**
   * Cursor of the last entry read: pass as after_cursor to continue. Empty when none was read.
   */
  'lastCursor'?: (string);
  'parseErrors'?: (number);
  'durationMs'?: (number | string | Long);
  /**
   * The journalctl command line that was run.
   */
  'command'?: (string);
}

export interface ScanJournalSummary__Output {
  /**
   * Lines journalctl produced (entries read).
   */
  'entriesRead': (number);
  /**
   * Entries that passed include/exclude patterns.
   */
  'entriesMatched': (number);
  'entriesSent': (number);
  /**
   * Matched entries with priority err or more severe.
   */
  'errorsMatched': (number);
  'truncatedByCount': (boolean);
  'truncatedByTime': (boolean);
  /**
   * Cursor of the last entry read: pass as after_cursor to continue. Empty when none was read.
   */
  'lastCursor': (string);
  'parseErrors': (number);
  'durationMs': (number);
  /**
   * The journalctl command line that was run.
   */
  'command': (string);
}
