// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';

export interface InstallFinished {
  'operation'?: (_noderoll_agent_v1_Operation | null);
  /**
   * -1 when the command did not exit normally (killed, timed out, could not start).
   */
  'exitCode'?: (number);
}

export interface InstallFinished__Output {
  'operation': (_noderoll_agent_v1_Operation__Output | null);
  /**
   * -1 when the command did not exit normally (killed, timed out, could not start).
   */
  'exitCode': (number);
}
