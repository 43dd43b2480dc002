// Original file: proto/noderoll/agent/v1/agent.proto

import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from '../../../noderoll/agent/v1/PackageVersion.js';

export interface InstallRequest {
  'operationId'?: (string);
  /**
   * Target version, checked against the agent's version pattern (mode "command" only).
   */
  'version'?: (string);
  /**
   * The install mode the caller expects: "command" (also when empty), "packages" or "upgrade-all".
   * It must be the agent's configured install.mode, or the call is refused (FAILED_PRECONDITION).
   */
  'mode'?: (string);
  /**
   * mode "packages": each package and the exact version to install (`apt-get install name=version`,
   * `dnf install name-version`); names must match the agent's install.packages allow-list.
   */
  'packages'?: (_noderoll_agent_v1_PackageVersion)[];
}

export interface InstallRequest__Output {
  'operationId': (string);
  /**
   * Target version, checked against the agent's version pattern (mode "command" only).
   */
  'version': (string);
  /**
   * The install mode the caller expects: "command" (also when empty), "packages" or "upgrade-all".
   * It must be the agent's configured install.mode, or the call is refused (FAILED_PRECONDITION).
   */
  'mode': (string);
  /**
   * mode "packages": each package and the exact version to install (`apt-get install name=version`,
   * `dnf install name-version`); names must match the agent's install.packages allow-list.
   */
  'packages': (_noderoll_agent_v1_PackageVersion__Output)[];
}
