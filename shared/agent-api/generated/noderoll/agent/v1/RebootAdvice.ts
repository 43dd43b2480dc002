// Original file: proto/noderoll/agent/v1/agent.proto


export interface RebootAdvice {
  'required'?: (boolean);
  /**
   * Why, in words, e.g. "/var/run/reboot-required (noderoll-lab-kernel)", "kernel 6.1.0-29 installed, 6.1.0-28 running".
   */
  'reasons'?: (string)[];
  /**
   * Units (systemd names) whose processes still run replaced files and need a restart.
   */
  'servicesToRestart'?: (string)[];
  /**
   * Why the agent could not tell ("" when it could); a caller treats an undecided node as needing a reboot.
   */
  'problem'?: (string);
}

export interface RebootAdvice__Output {
  'required': (boolean);
  /**
   * Why, in words, e.g. "/var/run/reboot-required (noderoll-lab-kernel)", "kernel 6.1.0-29 installed, 6.1.0-28 running".
   */
  'reasons': (string)[];
  /**
   * Units (systemd names) whose processes still run replaced files and need a restart.
   */
  'servicesToRestart': (string)[];
  /**
   * Why the agent could not tell ("" when it could); a caller treats an undecided node as needing a reboot.
   */
  'problem': (string);
}
