// Original file: proto/noderoll/agent/v1/agent.proto


export interface PackageVersion {
  'name'?: (string);
  /**
   * Empty when the package is not installed.
   */
  'version'?: (string);
  'installed'?: (boolean);
}

export interface PackageVersion__Output {
  'name': (string);
  /**
   * Empty when the package is not installed.
   */
  'version': (string);
  'installed': (boolean);
}
