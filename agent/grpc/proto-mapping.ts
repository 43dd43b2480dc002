import type { Filesystem } from '../../shared/agent-api/generated/noderoll/agent/v1/Filesystem.js';
import type { JournalEntry } from '../../shared/agent-api/generated/noderoll/agent/v1/JournalEntry.js';
import type { NodeInfo } from '../../shared/agent-api/generated/noderoll/agent/v1/NodeInfo.js';
import type { Operation } from '../../shared/agent-api/generated/noderoll/agent/v1/Operation.js';
import type { OperationKind } from '../../shared/agent-api/generated/noderoll/agent/v1/OperationKind.js';
import type { OperationState } from '../../shared/agent-api/generated/noderoll/agent/v1/OperationState.js';
import type { PackageVersion } from '../../shared/agent-api/generated/noderoll/agent/v1/PackageVersion.js';
import type { PlanetCheckResult } from '../../shared/agent-api/generated/noderoll/agent/v1/PlanetCheckResult.js';
import type { ScanJournalSummary } from '../../shared/agent-api/generated/noderoll/agent/v1/ScanJournalSummary.js';
import type { Unit } from '../../shared/agent-api/generated/noderoll/agent/v1/Unit.js';
import type { PackageChange as PackageChangeMessage } from '../../shared/agent-api/generated/noderoll/agent/v1/PackageChange.js';
import type { RebootAdvice as RebootAdviceMessage } from '../../shared/agent-api/generated/noderoll/agent/v1/RebootAdvice.js';
import type { PackageChange } from '../install/package-database.js';
import type { RebootAdviceRecord } from '../node/reboot-advice.js';
import type { ParsedJournalEntry } from '../journal/journal-entry.js';
import type { JournalScanSummary } from '../journal/journal-reader.js';
import type { NodeInfoFacts } from '../node/node-operations.js';
import type { PlanetCheckOutcome } from '../node/planet-checks.js';
import type { OperationRecord, PackageVersionRecord } from '../operations/operation-record.js';
import type { UnitState } from '../systemd/show-parser.js';

/** Agent records → noderoll.agent.v1 messages (types generated from the proto). */

const KIND: Record<OperationRecord['kind'], OperationKind> = {
  'stop-unit': 'OPERATION_KIND_STOP_UNIT',
  'start-unit': 'OPERATION_KIND_START_UNIT',
  'enable-unit': 'OPERATION_KIND_ENABLE_UNIT',
  'restart-unit': 'OPERATION_KIND_RESTART_UNIT',
  install: 'OPERATION_KIND_INSTALL',
  reboot: 'OPERATION_KIND_REBOOT',
  'etcd-snapshot': 'OPERATION_KIND_ETCD_SNAPSHOT',
};

const STATE: Record<OperationRecord['state'], OperationState> = {
  running: 'OPERATION_STATE_RUNNING',
  succeeded: 'OPERATION_STATE_SUCCEEDED',
  failed: 'OPERATION_STATE_FAILED',
  interrupted: 'OPERATION_STATE_INTERRUPTED',
};

export function toUnit(u: UnitState): Unit {
  return {
    name: u.name,
    loadState: u.loadState,
    activeState: u.activeState,
    subState: u.subState,
    unitFileState: u.unitFileState,
    description: u.description,
    mainPid: u.mainPid,
  };
}

export function toPackage(p: PackageVersionRecord): PackageVersion {
  return { name: p.name, version: p.version, installed: p.installed };
}

export function toPackageChange(c: PackageChange): PackageChangeMessage {
  return { name: c.name, versionBefore: c.before, versionAfter: c.after };
}

export function toRebootAdvice(a: RebootAdviceRecord): RebootAdviceMessage {
  return { required: a.required, reasons: a.reasons, servicesToRestart: a.servicesToRestart, problem: a.problem };
}

export function toOperation(op: OperationRecord): Operation {
  return {
    id: op.id,
    kind: KIND[op.kind],
    state: STATE[op.state],
    unit: op.args.unit ?? '',
    version: op.args.version ?? '',
    now: Boolean(op.args.now),
    createdUnixMs: op.createdUnixMs,
    finishedUnixMs: op.finishedUnixMs,
    bootId: op.bootId,
    errorCode: op.error?.code ?? '',
    errorMessage: op.error?.message ?? '',
    install: op.install
      ? {
          command: op.install.command,
          exitCode: op.install.exitCode,
          stdoutTail: op.install.stdoutTail,
          stderrTail: op.install.stderrTail,
          packagesBefore: op.install.packagesBefore.map(toPackage),
          packagesAfter: op.install.packagesAfter.map(toPackage),
          durationMs: op.install.durationMs,
          packageChanges: (op.install.packageChanges ?? []).map(toPackageChange),
          rebootAdvice: op.install.rebootAdvice ? toRebootAdvice(op.install.rebootAdvice) : null,
          mode: op.install.mode ?? 'command',
          packagesRequested: (op.install.packagesRequested ?? []).map((p) => ({ name: p.name, version: p.version, installed: false })),
        }
      : null,
    reboot: op.reboot ? { ...op.reboot } : null,
    unitAfter: op.unitAfter ? toUnit(op.unitAfter) : null,
  };
}

export function toNodeInfo(n: NodeInfoFacts): NodeInfo {
  return {
    hostname: n.hostname,
    machineId: n.machineId,
    bootId: n.boot.bootId,
    bootTimeUnixMs: n.boot.bootTimeUnixMs,
    osName: n.osName,
    osVersion: n.osVersion,
    osPrettyName: n.osPrettyName,
    kernel: n.kernel,
    agentVersion: n.agentVersion,
    agentCommit: n.agentCommit,
    agentBuiltAt: n.agentBuiltAt,
    agentRuntime: n.agentRuntime,
    systemdVersion: n.systemdVersion,
    systemdVersionText: n.systemdVersionText,
    packages: n.packages.map(toPackage),
    planetUnits: n.planetUnits,
    filesystems: n.filesystems.map(
      (f): Filesystem => ({ mount: f.mount, device: f.device, type: f.type, sizeBytes: f.sizeBytes, usedBytes: f.usedBytes, usePercent: f.usePercent }),
    ),
    currentOperation: n.currentOperation ? toOperation(n.currentOperation) : null,
    agentStartedUnixMs: n.agentStartedUnixMs,
    nowUnixMs: n.nowUnixMs,
    installConfigured: n.installConfigured,
    updatePackage: n.updatePackage,
    apiVersion: n.apiVersion,
    installVersionPattern: n.installVersionPattern,
    filesystemsProblem: n.filesystemsProblem,
    installMode: n.installMode,
    profile: n.profile,
    etcdConfigured: n.etcdConfigured,
    datastore: n.datastore,
  };
}

export function toJournalEntry(e: ParsedJournalEntry): JournalEntry {
  return {
    cursor: e.cursor,
    realtimeUsec: e.realtimeUsec,
    bootId: e.bootId,
    priority: e.priority,
    unit: e.unit,
    identifier: e.identifier,
    message: e.message,
    pid: e.pid,
    messageBinary: e.messageBinary,
    messageTruncated: e.messageTruncated,
    messageDigest: e.messageDigest,
  };
}

export function toJournalSummary(s: JournalScanSummary): ScanJournalSummary {
  return { ...s };
}

export function toPlanetCheck(c: PlanetCheckOutcome): PlanetCheckResult {
  return { ...c };
}
