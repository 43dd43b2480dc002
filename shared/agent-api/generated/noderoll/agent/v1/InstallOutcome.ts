// Original file: proto/noderoll/agent/v1/agent.proto

import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from '../../../noderoll/agent/v1/PackageVersion.js';
import type { Long } from '@grpc/proto-loader';

export interface InstallOutcome {
  'command'?: (string)[];
  'exitCode'?: (number);
  'stdoutTail'?: (string);
  'stderrTail'?: (string);
  'packagesBefore'?: (_noderoll_agent_v1_PackageVersion)[];
  'packagesAfter'?: (_noderoll_agent_v1_PackageVersion)[];
  'durationMs'?: (number | string | Long);
}

export interface InstallOutcome__Output {
  'command': (string)[];
  'exitCode': (number);
  'stdoutTail': (string);
  'stderrTail': (string);
  'packagesBefore': (_noderoll_agent_v1_PackageVersion__Output)[];
  'packagesAfter': (_noderoll_agent_v1_PackageVersion__Output)[];
  'durationMs': (number);
}
