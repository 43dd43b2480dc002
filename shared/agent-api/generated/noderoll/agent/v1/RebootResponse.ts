// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';

export interface RebootResponse {
  'operation'?: (_noderoll_agent_v1_Operation | null);
  'replayed'?: (boolean);
}

export interface RebootResponse__Output {
  'operation': (_noderoll_agent_v1_Operation__Output | null);
  'replayed': (boolean);
}
