// Original file: proto/noderoll/agent/v1/agent.proto

import type { EtcdMemberHealth as _noderoll_agent_v1_EtcdMemberHealth, EtcdMemberHealth__Output as _noderoll_agent_v1_EtcdMemberHealth__Output } from '../../../noderoll/agent/v1/EtcdMemberHealth.js';

export interface CheckEtcdHealthResponse {
  /**
   * Every member of the cluster (`etcdctl endpoint health --cluster -w json`).
   */
  'members'?: (_noderoll_agent_v1_EtcdMemberHealth)[];
  'allHealthy'?: (boolean);
  /**
   * The argv that ran (certificate paths shown, never their content).
   */
  'command'?: (string)[];
  /**
   * Why the health could not be read at all ("" when it was).
   */
  'problem'?: (string);
}

export interface CheckEtcdHealthResponse__Output {
  /**
   * Every member of the cluster (`etcdctl endpoint health --cluster -w json`).
   */
  'members': (_noderoll_agent_v1_EtcdMemberHealth__Output)[];
  'allHealthy': (boolean);
  /**
   * The argv that ran (certificate paths shown, never their content).
   */
  'command': (string)[];
  /**
   * Why the health could not be read at all ("" when it was).
   */
  'problem': (string);
}
