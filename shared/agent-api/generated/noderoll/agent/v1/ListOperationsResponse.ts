// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';

export interface ListOperationsResponse {
  'operations'?: (_noderoll_agent_v1_Operation)[];
}

export interface ListOperationsResponse__Output {
  'operations': (_noderoll_agent_v1_Operation__Output)[];
}
