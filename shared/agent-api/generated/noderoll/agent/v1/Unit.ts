// Original file: proto/noderoll/agent/v1/agent.proto


export interface Unit {
  'name'?: (string);
  /**
   * loaded, not-found, masked, error, stub, merged
   */
  'loadState'?: (string);
  /**
   * active, inactive, failed, activating, deactivating, reloading
   */
  'activeState'?: (string);
  /**
   * running, dead, exited, failed, ...
   */
  'subState'?: (string);
  /**
   * enabled, disabled, static, masked, ... (empty when systemd has no unit file)
   */
  'unitFileState'?: (string);
  'description'?: (string);
  /**
   * Main PID, 0 when none.
   */
  'mainPid'?: (number);
}

export interface Unit__Output {
  'name': (string);
  /**
   * loaded, not-found, masked, error, stub, merged
   */
  'loadState': (string);
  /**
   * active, inactive, failed, activating, deactivating, reloading
   */
  'activeState': (string);
  /**
   * running, dead, exited, failed, ...
   */
  'subState': (string);
  /**
   * enabled, disabled, static, masked, ... (empty when systemd has no unit file)
   */
  'unitFileState': (string);
  'description': (string);
  /**
   * Main PID, 0 when none.
   */
  'mainPid': (number);
}
