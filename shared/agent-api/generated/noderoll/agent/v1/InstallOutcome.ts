// Original file: proto/noderoll/agent/v1/agent.proto

import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from '../../../noderoll/agent/v1/PackageVersion.js';
import type { PackageChange as _noderoll_agent_v1_PackageChange, PackageChange__Output as _noderoll_agent_v1_PackageChange__Output } from '../../../noderoll/agent/v1/PackageChange.js';
import type { RebootAdvice as _noderoll_agent_v1_RebootAdvice, RebootAdvice__Output as _noderoll_agent_v1_RebootAdvice__Output } from '../../../noderoll/agent/v1/RebootAdvice.js';
import type { Long } from '@grpc/proto-loader';

export interface InstallOutcome {
  'command'?: (string)[];
  'exitCode'?: (number);
  'stdoutTail'?: (string);
  'stderrTail'?: (string);
  'packagesBefore'?: (_noderoll_agent_v1_PackageVersion)[];
  'packagesAfter'?: (_noderoll_agent_v1_PackageVersion)[];
  'durationMs'?: (number | string | Long);
  'packageChanges'?: (_noderoll_agent_v1_PackageChange)[];
  'rebootAdvice'?: (_noderoll_agent_v1_RebootAdvice | null);
  /**
   * install.mode the operation ran with.
   */
  'mode'?: (string);
  /**
   * mode "packages": what was asked for.
   */
  'packagesRequested'?: (_noderoll_agent_v1_PackageVersion)[];
}

export interface InstallOutcome__Output {
  'command': (string)[];
  'exitCode': (number);
  'stdoutTail': (string);
  'stderrTail': (string);
  'packagesBefore': (_noderoll_agent_v1_PackageVersion__Output)[];
  'packagesAfter': (_noderoll_agent_v1_PackageVersion__Output)[];
  'durationMs': (number);
  'packageChanges': (_noderoll_agent_v1_PackageChange__Output)[];
  'rebootAdvice': (_noderoll_agent_v1_RebootAdvice__Output | null);
  /**
   * install.mode the operation ran with.
   */
  'mode': (string);
  /**
   * mode "packages": what was asked for.
   */
  'packagesRequested': (_noderoll_agent_v1_PackageVersion__Output)[];
}
