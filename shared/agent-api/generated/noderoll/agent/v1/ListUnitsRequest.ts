// Original file: proto/noderoll/agent/v1/agent.proto


export interface ListUnitsRequest {
  /**
   * Globs in systemd's fnmatch syntax (*, ?, [...]); at least one.
   */
  'patterns'?: (string)[];
  /**
   * false (default): loaded units in any state plus unit files systemd has not loaded, so a stopped,
   * unloaded gravity unit is still listed and can be enabled again. true: only loaded units.
   */
  'loadedOnly'?: (boolean);
}

export interface ListUnitsRequest__Output {
  /**
   * Globs in systemd's fnmatch syntax (*, ?, [...]); at least one.
   */
  'patterns': (string)[];
  /**
   * false (default): loaded units in any state plus unit files systemd has not loaded, so a stopped,
   * unloaded gravity unit is still listed and can be enabled again. true: only loaded units.
   */
  'loadedOnly': (boolean);
}
