// Original file: proto/noderoll/agent/v1/agent.proto


/**
 * One package whose installed version an install changed ("" = not installed before / removed).
 */
export interface PackageChange {
  'name'?: (string);
  'versionBefore'?: (string);
  'versionAfter'?: (string);
}

/**
 * One package whose installed version an install changed ("" = not installed before / removed).
 */
export interface PackageChange__Output {
  'name': (string);
  'versionBefore': (string);
  'versionAfter': (string);
}
