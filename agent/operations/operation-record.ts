import type { PackageChange } from '../install/package-database.js';
import type { RebootAdviceRecord } from '../node/reboot-advice.js';
import type { UnitState } from '../systemd/show-parser.js';

/**
 * What the agent remembers about one mutating operation. Persisted as JSON in the state file;
 * the gRPC layer maps it to noderoll.agent.v1.Operation.
 */

export type OperationKind = 'stop-unit' | 'start-unit' | 'enable-unit' | 'restart-unit' | 'install' | 'reboot' | 'etcd-snapshot';
export type OperationState = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface PackageVersionRecord {
  name: string;
  version: string;
  installed: boolean;
}

/** A unit's state as recorded with an operation: the same shape systemctl show yields. */
export type UnitStateRecord = UnitState;

export interface InstallRecord {
  command: string[];
  exitCode: number;
  stdoutTail: string;
  stderrTail: string;
  packagesBefore: PackageVersionRecord[];
  packagesAfter: PackageVersionRecord[];
  durationMs: number;
  /** install.mode it ran with (absent in records of agents before install modes = command). */
  mode?: string;
  /** mode packages: what was asked for (name, exact version). */
  packagesRequested?: { name: string; version: string }[];
  /** Every step's argv in order (modes packages/upgrade-all: `apt-get update` first); `command` is the last. */
  steps?: string[][];
  /** Modes packages/upgrade-all: every package whose version changed (whole database before and after). */
  packageChanges?: PackageChange[];
  /** Modes packages/upgrade-all: read right after the install. */
  rebootAdvice?: RebootAdviceRecord;
}

export interface RebootRecord {
  bootIdBefore: string;
  bootIdAfter: string;
  command: string[];
  commandIssuedUnixMs: number;
  bootTimeUnixMs: number;
  completedUnixMs: number;
}

/** An etcd snapshot kept on the node: where, how it was taken, and what `etcdctl snapshot status` said. */
export interface EtcdSnapshotRecord {
  /** Absent: etcd (records of older agents). sqlite: hash is 0, revision is kine's, totalKeys its rows. */
  datastore?: 'etcd' | 'sqlite';
  file: string;
  command: string[];
  sizeBytes: number;
  sha256: string;
  hash: number;
  revision: number;
  totalKeys: number;
  totalSize: number;
  durationMs: number;
}

/** The arguments that make two requests "the same operation". */
export interface OperationArgs {
  unit?: string;
  version?: string;
  now?: boolean;
  /** Install modes packages/upgrade-all (absent = command). */
  mode?: string;
  /** mode packages: `name=version` of each package asked for. */
  packages?: string[];
}

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  state: OperationState;
  args: OperationArgs;
  createdUnixMs: number;
  finishedUnixMs: number;
  bootId: string;
  error?: { code: string; message: string };
  install?: InstallRecord;
  reboot?: RebootRecord;
  unitAfter?: UnitStateRecord;
  etcdSnapshot?: EtcdSnapshotRecord;
}

export function sameArgs(a: OperationArgs, b: OperationArgs): boolean {
  return (
    (a.unit ?? '') === (b.unit ?? '') &&
    (a.version ?? '') === (b.version ?? '') &&
    Boolean(a.now) === Boolean(b.now) &&
    (a.mode ?? '') === (b.mode ?? '') &&
    (a.packages ?? []).join(' ') === (b.packages ?? []).join(' ')
  );
}

export function describeOperation(op: Pick<OperationRecord, 'id' | 'kind' | 'args'>): string {
  const what = op.args.unit
    ? ` ${op.args.unit}`
    : op.args.version
      ? ` version ${op.args.version}`
      : op.args.mode === 'packages'
        ? ` packages ${(op.args.packages ?? []).join(' ')}`
        : op.args.mode
          ? ` ${op.args.mode}`
          : '';
  return `${op.kind}${what} (operation ${op.id})`;
}
