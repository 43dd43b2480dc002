// Original file: proto/noderoll/agent/v1/agent.proto

import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from '../../../noderoll/agent/v1/PackageVersion.js';

export interface InstallStarted {
  'operationId'?: (string);
  /**
   * The argv the agent runs (its configured template with the version filled in).
   */
  'command'?: (string)[];
  'packagesBefore'?: (_noderoll_agent_v1_PackageVersion)[];
  /**
   * The operation had already finished: no command runs, `finished` follows with its record.
   */
  'replayed'?: (boolean);
  /**
   * The operation was running: this call follows it from now on.
   */
  'attached'?: (boolean);
}

export interface InstallStarted__Output {
  'operationId': (string);
  /**
   * The argv the agent runs (its configured template with the version filled in).
   */
  'command': (string)[];
  'packagesBefore': (_noderoll_agent_v1_PackageVersion__Output)[];
  /**
   * The operation had already finished: no command runs, `finished` follows with its record.
   */
  'replayed': (boolean);
  /**
   * The operation was running: this call follows it from now on.
   */
  'attached': (boolean);
}
