// Original file: proto/noderoll/agent/v1/agent.proto

import type { PlanetCheckResult as _noderoll_agent_v1_PlanetCheckResult, PlanetCheckResult__Output as _noderoll_agent_v1_PlanetCheckResult__Output } from '../../../noderoll/agent/v1/PlanetCheckResult.js';

export interface RunPlanetChecksResponse {
  'checks'?: (_noderoll_agent_v1_PlanetCheckResult)[];
  'allOk'?: (boolean);
}

export interface RunPlanetChecksResponse__Output {
  'checks': (_noderoll_agent_v1_PlanetCheckResult__Output)[];
  'allOk': (boolean);
}
