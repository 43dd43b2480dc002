// Original file: proto/noderoll/agent/v1/agent.proto

import type { Unit as _noderoll_agent_v1_Unit, Unit__Output as _noderoll_agent_v1_Unit__Output } from '../../../noderoll/agent/v1/Unit.js';

export interface ListUnitsResponse {
  'units'?: (_noderoll_agent_v1_Unit)[];
  /**
   * True when the agent cut the list at its limit.
   */
  'truncated'?: (boolean);
}

export interface ListUnitsResponse__Output {
  'units': (_noderoll_agent_v1_Unit__Output)[];
  /**
   * True when the agent cut the list at its limit.
   */
  'truncated': (boolean);
}
