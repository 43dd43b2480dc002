// Original file: proto/noderoll/agent/v1/agent.proto


export interface RunPlanetChecksRequest {
  /**
   * Run only these configured checks (by name); empty = all.
   */
  'names'?: (string)[];
}

export interface RunPlanetChecksRequest__Output {
  /**
   * Run only these configured checks (by name); empty = all.
   */
  'names': (string)[];
}
