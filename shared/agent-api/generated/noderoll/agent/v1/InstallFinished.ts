// Original file: proto/noderoll/agent/v1/agent.proto

import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';
import type { PackageChange as _noderoll_agent_v1_PackageChange, PackageChange__Output as _noderoll_agent_v1_PackageChange__Output } from '../../../noderoll/agent/v1/PackageChange.js';
import type { RebootAdvice as _noderoll_agent_v1_RebootAdvice, RebootAdvice__Output as _noderoll_agent_v1_RebootAdvice__Output } from '../../../noderoll/agent/v1/RebootAdvice.js';

export interface InstallFinished {
  'operation'?: (_noderoll_agent_v1_Operation | null);
  /**
   * -1 when the command did not exit normally (killed, timed out, could not start).
   */
  'exitCode'?: (number);
  /**
   * Every package whose version the install changed (the whole package database, before and after).
   */
  'packageChanges'?: (_noderoll_agent_v1_PackageChange)[];
  /**
   * Read right after the install finished.
   */
  'rebootAdvice'?: (_noderoll_agent_v1_RebootAdvice | null);
}

export interface InstallFinished__Output {
  'operation': (_noderoll_agent_v1_Operation__Output | null);
  /**
   * -1 when the command did not exit normally (killed, timed out, could not start).
   */
  'exitCode': (number);
  /**
   * Every package whose version the install changed (the whole package database, before and after).
   */
  'packageChanges': (_noderoll_agent_v1_PackageChange__Output)[];
  /**
   * Read right after the install finished.
   */
  'rebootAdvice': (_noderoll_agent_v1_RebootAdvice__Output | null);
}
