// Original file: proto/noderoll/agent/v1/agent.proto

import type { InstallStarted as _noderoll_agent_v1_InstallStarted, InstallStarted__Output as _noderoll_agent_v1_InstallStarted__Output } from '../../../noderoll/agent/v1/InstallStarted.js';
import type { OutputLine as _noderoll_agent_v1_OutputLine, OutputLine__Output as _noderoll_agent_v1_OutputLine__Output } from '../../../noderoll/agent/v1/OutputLine.js';
import type { InstallFinished as _noderoll_agent_v1_InstallFinished, InstallFinished__Output as _noderoll_agent_v1_InstallFinished__Output } from '../../../noderoll/agent/v1/InstallFinished.js';

export interface InstallEvent {
  'started'?: (_noderoll_agent_v1_InstallStarted | null);
  'stdout'?: (_noderoll_agent_v1_OutputLine | null);
  'stderr'?: (_noderoll_agent_v1_OutputLine | null);
  'finished'?: (_noderoll_agent_v1_InstallFinished | null);
  'event'?: "started"|"stdout"|"stderr"|"finished";
}

export interface InstallEvent__Output {
  'started'?: (_noderoll_agent_v1_InstallStarted__Output | null);
  'stdout'?: (_noderoll_agent_v1_OutputLine__Output | null);
  'stderr'?: (_noderoll_agent_v1_OutputLine__Output | null);
  'finished'?: (_noderoll_agent_v1_InstallFinished__Output | null);
  'event'?: "started"|"stdout"|"stderr"|"finished";
}
