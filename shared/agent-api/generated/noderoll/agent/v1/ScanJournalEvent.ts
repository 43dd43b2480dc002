// Original file: proto/noderoll/agent/v1/agent.proto

import type { JournalEntry as _noderoll_agent_v1_JournalEntry, JournalEntry__Output as _noderoll_agent_v1_JournalEntry__Output } from '../../../noderoll/agent/v1/JournalEntry.js';
import type { ScanJournalSummary as _noderoll_agent_v1_ScanJournalSummary, ScanJournalSummary__Output as _noderoll_agent_v1_ScanJournalSummary__Output } from '../../../noderoll/agent/v1/ScanJournalSummary.js';

export interface ScanJournalEvent {
  'entry'?: (_noderoll_agent_v1_JournalEntry | null);
  'summary'?: (_noderoll_agent_v1_ScanJournalSummary | null);
  'event'?: "entry"|"summary";
}

export interface ScanJournalEvent__Output {
  'entry'?: (_noderoll_agent_v1_JournalEntry__Output | null);
  'summary'?: (_noderoll_agent_v1_ScanJournalSummary__Output | null);
  'event'?: "entry"|"summary";
}
