// Original file: proto/noderoll/agent/v1/agent.proto

import type { OperationKind as _noderoll_agent_v1_OperationKind, OperationKind__Output as _noderoll_agent_v1_OperationKind__Output } from '../../../noderoll/agent/v1/OperationKind.js';
import type { OperationState as _noderoll_agent_v1_OperationState, OperationState__Output as _noderoll_agent_v1_OperationState__Output } from '../../../noderoll/agent/v1/OperationState.js';
import type { InstallOutcome as _noderoll_agent_v1_InstallOutcome, InstallOutcome__Output as _noderoll_agent_v1_InstallOutcome__Output } from '../../../noderoll/agent/v1/InstallOutcome.js';
import type { RebootOutcome as _noderoll_agent_v1_RebootOutcome, RebootOutcome__Output as _noderoll_agent_v1_RebootOutcome__Output } from '../../../noderoll/agent/v1/RebootOutcome.js';
import type { Unit as _noderoll_agent_v1_Unit, Unit__Output as _noderoll_agent_v1_Unit__Output } from '../../../noderoll/agent/v1/Unit.js';
import type { Long } from '@grpc/proto-loader';

export interface Operation {
  'id'?: (string);
  'kind'?: (_noderoll_agent_v1_OperationKind);
  'state'?: (_noderoll_agent_v1_OperationState);
  /**
   * The unit (unit operations) or the target version (install).
   */
  'unit'?: (string);
  'version'?: (string);
  'now'?: (boolean);
  'createdUnixMs'?: (number | string | Long);
  'finishedUnixMs'?: (number | string | Long);
  /**
   * Boot in which the operation started.
   */
  'bootId'?: (string);
  /**
   * gRPC status name of the failure (e.g. DEADLINE_EXCEEDED) and what failed.
   */
  'errorCode'?: (string);
  'errorMessage'?: (string);
  'install'?: (_noderoll_agent_v1_InstallOutcome | null);
  'reboot'?: (_noderoll_agent_v1_RebootOutcome | null);
  /**
   * Unit state when a unit operation finished.
   */
  'unitAfter'?: (_noderoll_agent_v1_Unit | null);
}

export interface Operation__Output {
  'id': (string);
  'kind': (_noderoll_agent_v1_OperationKind__Output);
  'state': (_noderoll_agent_v1_OperationState__Output);
  /**
   * The unit (unit operations) or the target version (install).
   */
  'unit': (string);
  'version': (string);
  'now': (boolean);
  'createdUnixMs': (number);
  'finishedUnixMs': (number);
  /**
   * Boot in which the operation started.
   */
  'bootId': (string);
  /**
   * gRPC status name of the failure (e.g. DEADLINE_EXCEEDED) and what failed.
   */
  'errorCode': (string);
  'errorMessage': (string);
  'install': (_noderoll_agent_v1_InstallOutcome__Output | null);
  'reboot': (_noderoll_agent_v1_RebootOutcome__Output | null);
  /**
   * Unit state when a unit operation finished.
   */
  'unitAfter': (_noderoll_agent_v1_Unit__Output | null);
}
