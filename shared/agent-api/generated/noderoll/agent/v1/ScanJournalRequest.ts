// Original file: proto/noderoll/agent/v1/agent.proto

import type { BootSelector as _noderoll_agent_v1_BootSelector, BootSelector__Output as _noderoll_agent_v1_BootSelector__Output } from '../../../noderoll/agent/v1/BootSelector.js';
import type { Long } from '@grpc/proto-loader';

export interface ScanJournalRequest {
  'boot'?: (_noderoll_agent_v1_BootSelector);
  /**
   * A specific boot (32 hex digits); overrides `boot`.
   */
  'bootId'?: (string);
  /**
   * Entries at or after this time; 0 = no lower bound.
   */
  'sinceUnixMs'?: (number | string | Long);
  /**
   * Continue after this cursor (from a previous summary's last_cursor).
   */
  'afterCursor'?: (string);
  /**
   * Minimum priority: emerg, alert, crit, err, warning, notice, info, debug or 0..7; empty = all.
   */
  'priority'?: (string);
  /**
   * Only these units (systemd unit names).
   */
  'units'?: (string)[];
  /**
   * JavaScript regular expressions on MESSAGE: keep an entry if it matches any include (when given)
   * and none of the excludes.
   */
  'includePatterns'?: (string)[];
  'excludePatterns'?: (string)[];
  /**
   * At most this many entries are sent; 0 = the agent's default. Capped by the agent.
   */
  'maxEntries'?: (number);
  /**
   * Stop reading after this long; 0 = the agent's default. Capped by the agent.
   */
  'timeoutMs'?: (number);
  /**
   * Read only the newest max_entries entries of the selection instead of the oldest, newest first
   * (journalctl --reverse --lines); last_cursor is then that of the oldest entry sent.
   */
  'newest'?: (boolean);
}

export interface ScanJournalRequest__Output {
  'boot': (_noderoll_agent_v1_BootSelector__Output);
  /**
   * A specific boot (32 hex digits); overrides `boot`.
   */
  'bootId': (string);
  /**
   * Entries at or after this time; 0 = no lower bound.
   */
  'sinceUnixMs': (number);
  /**
   * Continue after this cursor (from a previous summary's last_cursor).
   */
  'afterCursor': (string);
  /**
   * Minimum priority: emerg, alert, crit, err, warning, notice, info, debug or 0..7; empty = all.
   */
  'priority': (string);
  /**
   * Only these units (systemd unit names).
   */
  'units': (string)[];
  /**
   * JavaScript regular expressions on MESSAGE: keep an entry if it matches any include (when given)
   * and none of the excludes.
   */
  'includePatterns': (string)[];
  'excludePatterns': (string)[];
  /**
   * At most this many entries are sent; 0 = the agent's default. Capped by the agent.
   */
  'maxEntries': (number);
  /**
   * Stop reading after this long; 0 = the agent's default. Capped by the agent.
   */
  'timeoutMs': (number);
  /**
   * Read only the newest max_entries entries of the selection instead of the oldest, newest first
   * (journalctl --reverse --lines); last_cursor is then that of the oldest entry sent.
   */
  'newest': (boolean);
}
