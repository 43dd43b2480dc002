// Original file: proto/noderoll/agent/v1/agent.proto

import type { UpdatePhase as _noderoll_agent_v1_UpdatePhase, UpdatePhase__Output as _noderoll_agent_v1_UpdatePhase__Output } from '../../../noderoll/agent/v1/UpdatePhase.js';

export interface SetUpdatePhaseResponse {
  'phase'?: (_noderoll_agent_v1_UpdatePhase | null);
  /**
   * The same operation and phase were already recorded (started_unix_ms unchanged).
   */
  'unchanged'?: (boolean);
}

export interface SetUpdatePhaseResponse__Output {
  'phase': (_noderoll_agent_v1_UpdatePhase__Output | null);
  /**
   * The same operation and phase were already recorded (started_unix_ms unchanged).
   */
  'unchanged': (boolean);
}
