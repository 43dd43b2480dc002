// Original file: proto/noderoll/agent/v1/agent.proto

import type { PackageVersion as _noderoll_agent_v1_PackageVersion, PackageVersion__Output as _noderoll_agent_v1_PackageVersion__Output } from '../../../noderoll/agent/v1/PackageVersion.js';
import type { Filesystem as _noderoll_agent_v1_Filesystem, Filesystem__Output as _noderoll_agent_v1_Filesystem__Output } from '../../../noderoll/agent/v1/Filesystem.js';
import type { Operation as _noderoll_agent_v1_Operation, Operation__Output as _noderoll_agent_v1_Operation__Output } from '../../../noderoll/agent/v1/Operation.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'hostname'?: (string);
  'machineId'?: (string);
  'bootId'?: (string);
  /**
   * When init (PID 1) started: the node's boot, also right inside containers.
   */
  'bootTimeUnixMs'?: (number | string | Long);
  'osName'?: (string);
  'osVersion'?: (string);
  'kernel'?: (string);
  'agentVersion'?: (string);
  /**
   * e.g. 252
   */
  'systemdVersion'?: (number);
  /**
   * The first line of `systemctl --version`.
   */
  'systemdVersionText'?: (string);
  'packages'?: (_noderoll_agent_v1_PackageVersion)[];
  /**
   * Host units matching the agent's planet glob (e.g. gravity__gravitational.io__planet__7.0.67-11709.service).
   */
  'planetUnits'?: (string)[];
  'filesystems'?: (_noderoll_agent_v1_Filesystem)[];
  /**
   * The running mutating operation, if any.
   */
  'currentOperation'?: (_noderoll_agent_v1_Operation | null);
  'agentStartedUnixMs'?: (number | string | Long);
  'nowUnixMs'?: (number | string | Long);
  /**
   * The agent has an install command configured and its program is present (installs are refused otherwise).
   */
  'installConfigured'?: (boolean);
  /**
   * The package the configured install updates: the first watched package ("" when none is watched).
   */
  'updatePackage'?: (string);
  /**
   * Version of this agent contract, e.g. "v1" (the package noderoll.agent.<version>); "" from agents
   * older than this field.
   */
  'apiVersion'?: (string);
  /**
   * The agent's version rule (install.versionPattern, an anchored regular expression; the fixed safe
   * alphabet of shared/validation/version.ts applies as well): Install refuses a version it rejects.
   */
  'installVersionPattern'?: (string);
  /**
   * Why `filesystems` is empty or incomplete ("" when they were read): disk space is then unknown.
   */
  'filesystemsProblem'?: (string);
  /**
   * The agent's build: `git describe --always --dirty` of its commit and when it was built (ISO 8601);
   * both "" for an agent run from a checkout (`node dist/agent/main.js`) or older than these fields.
   */
  'agentCommit'?: (string);
  'agentBuiltAt'?: (string);
  /**
   * How the agent runs: "sea" (the self-contained binary of its package, a Node.js single executable
   * application) or "node" (its JavaScript run by a separately installed Node.js); "" from older agents.
   */
  'agentRuntime'?: (string);
  /**
   * PRETTY_NAME of /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)" ("" when the file has none).
   */
  'osPrettyName'?: (string);
  /**
   * The agent's install mode (install.mode): "command", "packages" or "upgrade-all"; "" from older agents (= command).
   */
  'installMode'?: (string);
  /**
   * The agent's profile: "gravity", "kubeadm" or "k3s"; "" from older agents (= gravity).
   */
  'profile'?: (string);
  /**
   * The agent can check etcd (CheckEtcdHealth) and take snapshots (SaveEtcdSnapshot) on this node.
   */
  'etcdConfigured'?: (boolean);
  /**
   * The datastore this agent can back up with SaveEtcdSnapshot: "etcd", "sqlite" (a single k3s
   * server on SQLite: no CheckEtcdHealth), or "" (none configured or usable; older agents).
   */
  'datastore'?: (string);
}

export interface NodeInfo__Output {
  'hostname': (string);
  'machineId': (string);
  'bootId': (string);
  /**
   * When init (PID 1) started: the node's boot, also right inside containers.
   */
  'bootTimeUnixMs': (number);
  'osName': (string);
  'osVersion': (string);
  'kernel': (string);
  'agentVersion': (string);
  /**
   * e.g. 252
   */
  'systemdVersion': (number);
  /**
   * The first line of `systemctl --version`.
   */
  'systemdVersionText': (string);
  'packages': (_noderoll_agent_v1_PackageVersion__Output)[];
  /**
   * Host units matching the agent's planet glob (e.g. gravity__gravitational.io__planet__7.0.67-11709.service).
   */
  'planetUnits': (string)[];
  'filesystems': (_noderoll_agent_v1_Filesystem__Output)[];
  /**
   * The running mutating operation, if any.
   */
  'currentOperation': (_noderoll_agent_v1_Operation__Output | null);
  'agentStartedUnixMs': (number);
  'nowUnixMs': (number);
  /**
   * The agent has an install command configured and its program is present (installs are refused otherwise).
   */
  'installConfigured': (boolean);
  /**
   * The package the configured install updates: the first watched package ("" when none is watched).
   */
  'updatePackage': (string);
  /**
   * Version of this agent contract, e.g. "v1" (the package noderoll.agent.<version>); "" from agents
   * older than this field.
   */
  'apiVersion': (string);
  /**
   * The agent's version rule (install.versionPattern, an anchored regular expression; the fixed safe
   * alphabet of shared/validation/version.ts applies as well): Install refuses a version it rejects.
   */
  'installVersionPattern': (string);
  /**
   * Why `filesystems` is empty or incomplete ("" when they were read): disk space is then unknown.
   */
  'filesystemsProblem': (string);
  /**
   * The agent's build: `git describe --always --dirty` of its commit and when it was built (ISO 8601);
   * both "" for an agent run from a checkout (`node dist/agent/main.js`) or older than these fields.
   */
  'agentCommit': (string);
  'agentBuiltAt': (string);
  /**
   * How the agent runs: "sea" (the self-contained binary of its package, a Node.js single executable
   * application) or "node" (its JavaScript run by a separately installed Node.js); "" from older agents.
   */
  'agentRuntime': (string);
  /**
   * PRETTY_NAME of /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)" ("" when the file has none).
   */
  'osPrettyName': (string);
  /**
   * The agent's install mode (install.mode): "command", "packages" or "upgrade-all"; "" from older agents (= command).
   */
  'installMode': (string);
  /**
   * The agent's profile: "gravity", "kubeadm" or "k3s"; "" from older agents (= gravity).
   */
  'profile': (string);
  /**
   * The agent can check etcd (CheckEtcdHealth) and take snapshots (SaveEtcdSnapshot) on this node.
   */
  'etcdConfigured': (boolean);
  /**
   * The datastore this agent can back up with SaveEtcdSnapshot: "etcd", "sqlite" (a single k3s
   * server on SQLite: no CheckEtcdHealth), or "" (none configured or usable; older agents).
   */
  'datastore': (string);
}
