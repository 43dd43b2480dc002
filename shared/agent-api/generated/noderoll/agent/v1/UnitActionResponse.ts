// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';
import type { Unit as _noderoll_agent_v1_Unit, Unit__Output as _noderoll_agent_v1_Unit__Output } from '../../../noderoll/agent/v1/Unit.js';

export interface UnitActionResponse {
  'operation'?: (_noderoll_agent_v1_Operation | null);
  /**
   * State of the unit when the operation finished.
   */
  'unit'?: (_noderoll_agent_v1_Unit | null);
  /**
   * True when this is the recorded result of an earlier call with the same operation_id.
   */
  'replayed'?: (boolean);
}

export interface UnitActionResponse__Output {
  'operation': (_noderoll_agent_v1_Operation__Output | null);
  /**
   * State of the unit when the operation finished.
   */
  'unit': (_noderoll_agent_v1_Unit__Output | null);
  /**
   * True when this is the recorded result of an earlier call with the same operation_id.
   */
  'replayed': (boolean);
}
