import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fillPlaceholders } from '../../shared/exec/argv-template.js';
import { errorMessage } from '../engine/step-failure.js';
import type { BackupRecord, BackupTaker } from '../ports/cluster.js';
import type { Clock } from '../ports/clock.js';
import { agentOperationId, type EtcdSnapshotOutcome } from '../ports/node-agent.js';
import type { Datastore } from '../config/read-profile-config.js';
import { compactTime, sha256File, verifyRecordedArtifact } from './backup.js';
import type { ControlPlaneAgent } from './control-plane-agents.js';

export interface AgentSnapshotBackupOptions {
  agents: readonly ControlPlaneAgent[];
  /** Where the snapshot is written on the coordinator's host, with {operation} and {time} (backup.artifact). */
  artifact: string;
  timeoutMs: number;
  clock: Clock;
  /** What the agent must back up: etcd, or sqlite (the single k3s server's database). */
  datastore: Datastore;
}

/**
 * kubeadm/k3s backup: the agent of a control-plane node takes an etcd snapshot with the node's own
 * client certificates, verifies it (`etcdctl snapshot status`) and streams it here (the adapter checks
 * size and SHA-256 while writing). The snapshot must not stay only on a node about to be rebooted.
 * Accepted only when the file here has the size and digest the agent announced and etcd's revision is
 * above 0; a node that cannot take it passes the job to the next one. With datastore sqlite the
 * agent of the single k3s server sends an online backup of its SQLite database instead, checked
 * there with `PRAGMA integrity_check`; kine's revision must be above 0 as well.
 */
export class AgentSnapshotBackupTaker implements BackupTaker {
  constructor(private readonly options: AgentSnapshotBackupOptions) {}

  async takeBackup(operationId: string, signal?: AbortSignal): Promise<BackupRecord> {
    const now = this.options.clock.now();
    const artifact = fillPlaceholders(this.options.artifact, { operation: operationId, time: compactTime(now) });
    await mkdir(dirname(artifact), { recursive: true, mode: 0o700 });
    const what = this.options.datastore === 'sqlite' ? 'SQLite backup' : 'etcd snapshot';
    if (this.options.agents.length === 0) throw new Error(`no control-plane node in the config to take the ${what} on (role master, or no role)`);
    const failures: string[] = [];
    for (const { endpoint, agent } of this.options.agents) {
      let outcome: EtcdSnapshotOutcome;
      try {
        outcome = await agent.saveEtcdSnapshot({ operationId: agentOperationId(operationId, endpoint.node, 'etcd-snapshot') }, artifact, { timeoutMs: this.options.timeoutMs, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) throw err;
        failures.push(`${endpoint.node}: ${errorMessage(err)}`);
        continue;
      }
      if (outcome.datastore !== this.options.datastore) {
        failures.push(`${endpoint.node}: its agent backs up ${outcome.datastore}, the config's datastore is ${this.options.datastore} (etcd.datastore in the agent's config)`);
        continue;
      }
      const verification = await verifyReceived(artifact, outcome);
      return {
        artifact,
        sizeBytes: outcome.sizeBytes,
        sha256: outcome.sha256,
        takenAt: new Date(now).toISOString(),
        command: `${snapshotCommandText(outcome.command)} on ${endpoint.node} through its agent (SaveEtcdSnapshot ${outcome.operationId}), streamed to the coordinator`,
        verification: `${verification}${outcome.replayed ? '; answered from the agent\'s record of this operation' : ''}`,
      };
    }
    throw new Error(`no control-plane agent could take the ${what}: ${failures.join('; ')}`);
  }

  verifyRecordedBackup(record: BackupRecord): Promise<void> {
    return verifyRecordedArtifact(record);
  }
}

/** The agent's snapshot command without the directories of its program (kubeadm: etcdctl …; k3s: k3s etcd-snapshot save …). */
export function snapshotCommandText(command: readonly string[] | undefined): string {
  if (!command?.length) return 'etcdctl snapshot save';
  const [program, ...args] = command as [string, ...string[]];
  return [program.replace(/^.*\//, ''), ...args].join(' ');
}

/** The file here is what the agent announced, and the datastore's own status of the copy is plausible. */
async function verifyReceived(artifact: string, outcome: EtcdSnapshotOutcome): Promise<string> {
  const what = outcome.datastore === 'sqlite' ? 'SQLite backup' : 'etcd snapshot';
  const info = await stat(artifact).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`the ${what} was streamed but ${artifact} is not a file here`);
  if (info.size === 0 || info.size !== outcome.sizeBytes) throw new Error(`${what} ${artifact} has ${info.size} bytes, the agent sent ${outcome.sizeBytes}`);
  const digest = await sha256File(artifact);
  if (digest !== outcome.sha256) throw new Error(`${what} ${artifact} has sha256 ${digest}, the agent announced ${outcome.sha256}`);
  const status = outcome.datastore === 'sqlite' ? "PRAGMA integrity_check ok and kine's revision on the node" : 'etcdctl snapshot status on the node';
  if (!(outcome.revision > 0)) throw new Error(`${status} says revision ${outcome.revision}: not a usable ${what}`);
  const details = outcome.datastore === 'sqlite' ? `revision ${outcome.revision}, ${outcome.totalKeys} rows` : `revision ${outcome.revision}, ${outcome.totalKeys} keys, hash ${outcome.etcdHash}`;
  return `${status}: ${details}; size ${info.size} bytes and sha256 checked here`;
}
