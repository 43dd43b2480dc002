import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Lab } from '../lab/lab.js';
import { k3sAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { K3S_BINARY } from '../lab/k3s/k3s-paths.js';
import { K3S_AGENT_UNIT, K3S_SERVER_UNIT } from '../lab/k3s/k3s-units.js';
import { K3S_SQLITE_DATABASE, nodeLeaseKey, NODE_SQLITE3 } from '../lab/k3s/kine-sqlite.js';
import { writeLabK3sCoordinatorConfig } from '../lab/noderoll-config.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { E2eSuite, note } from './e2e-suite.js';
import { bootIds, completedOperation, expectNodeHealthyAfter, expectPackagesUpgraded, expectRebootOnlyWhereRequired, expectSamplerInvariants, expectUnitsActive, patchLabHooks, runSampledUpdate } from './os-patch-checks.js';

/**
 * k3s's default install end to end (issue #15): a single server on SQLite (kine's database, WAL mode,
 * held open by k3s.service) and two agents. No etcd anywhere: no etcd gate; the backup is the server
 * agent's online copy of the live database (sqlite3 .backup, integrity check, kine's revision),
 * streamed to the coordinator. The server gets the kernel package, so it is the node that reboots:
 * its database must come back intact and k3s keeps writing to it.
 */

const SERVER = 'node-1';
const AGENTS = ['node-2', 'node-3'];
const NODES = [SERVER, ...AGENTS];
const unitOf = (n: string): string => (n === SERVER ? K3S_SERVER_UNIT : K3S_AGENT_UNIT);
const SQLITE_AGENT_YAML = 'etcd:\n  datastore: sqlite\n';

async function nodeSql(lab: Lab, node: string, sql: string): Promise<string> {
  return (await lab.node(node).exec(NODE_SQLITE3, ['-init', '/dev/null', '-batch', '-readonly', K3S_SQLITE_DATABASE, sql])).stdout.trim();
}

async function hostSql(file: string, sql: string): Promise<string> {
  return (await runCommand({ file: 'sqlite3', args: ['-init', '/dev/null', '-batch', '-readonly', file, sql], timeoutMs: 20_000 })).stdout.trim();
}

describe('k3s on SQLite: a single server and two agents, no etcd gate, the database backed up live through the agent (lab)', function () {
  this.timeout(600_000);
  const s = new E2eSuite('file');
  let lab: Lab;

  patchLabHooks(s, {
    profile: 'k3s',
    nodes: NODES.length,
    masters: 1,
    rebooted: SERVER,
    agentConfig: (n, o) => k3sAgentConfigYaml(n, { extraYaml: o.extraYaml + SQLITE_AGENT_YAML }),
    units: [K3S_SERVER_UNIT, K3S_AGENT_UNIT],
    writeConfig: (l) => writeLabK3sCoordinatorConfig(l),
    labOptions: { datastore: 'sqlite' },
  });
  before(() => void (lab = s.lab!));

  it('the server keeps kine on SQLite in WAL mode and writes a lease revision every heartbeat; no etcd member, `k3s etcd-snapshot save` refused', async () => {
    await expectUnitsActive(lab, SERVER, [K3S_SERVER_UNIT]);
    expect(await nodeSql(lab, SERVER, 'PRAGMA journal_mode;'), 'journal mode').to.equal('wal');
    expect(Number(await nodeSql(lab, SERVER, `SELECT count(*) FROM kine WHERE name = '/registry/minions/${SERVER}';`)), 'seeded Node object').to.equal(1);
    const leases = async (): Promise<number> => Number(await nodeSql(lab, SERVER, `SELECT count(*) FROM kine WHERE name = '${nodeLeaseKey(SERVER)}';`));
    const first = await leases();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await leases(), 'lease revisions written by the running server').to.be.greaterThan(first);
    expect((await lab.node(SERVER).exec('test', ['-e', '/var/lib/rancher/k3s/server/db/etcd'], { okExitCodes: [0, 1] })).exitCode, 'no etcd data dir').to.equal(1);
    expect(lab.etcdEndpoints(), 'no etcd member in the lab').to.deep.equal([]);
    const save = await lab.node(SERVER).exec(K3S_BINARY, ['etcd-snapshot', 'save'], { okExitCodes: [0, 1] });
    expect(save.exitCode, 'k3s etcd-snapshot save on SQLite').to.equal(1);
  });

  it('patches the 3 nodes one at a time: the server reboots for its kernel package, the agents skip it; no etcd gate; the live SQLite database is backed up, streamed and verified', async () => {
    const before = await bootIds(lab, NODES);
    const r = await runSampledUpdate(s, lab);
    expectRebootOnlyWhereRequired(r, before, await bootIds(lab, NODES), NODES, SERVER);
    expect(r.gateResults.filter((g) => g.gate === 'etcd'), 'etcd gate reports').to.deep.equal([]);
    expect(r.gateResults.filter((g) => g.gate === 'apiserver').map((g) => g.passed), 'API server /readyz gate').to.include(true).and.not.include(false);
    for (const n of NODES) {
      expect(r.noteOf(n, 'stopUnits'), `${n} stopUnits`).to.contain(unitOf(n));
      await expectUnitsActive(lab, n, [unitOf(n)]);
    }
    expect(r.sampler.notReadySeen.has(SERVER), `${SERVER} seen NotReady`).to.equal(true);
    expectSamplerInvariants(r.sampler, NODES);

    const op = await completedOperation(s);
    await expectPackagesUpgraded(lab, op, NODES, SERVER);
    for (const n of NODES) await expectNodeHealthyAfter(lab, n, [unitOf(n)]);

    // the backup: sqlite3's online backup on the server through its agent, here intact and complete
    const backup = op.backup!;
    expect(backup.command, 'backup command').to.match(new RegExp(`^sqlite3 .*-readonly .*${K3S_SQLITE_DATABASE} \\.backup '/var/lib/noderoll-agent/etcd-snapshots/sqlite-backup-\\S+\\.db' on ${SERVER} through its agent`));
    expect(backup.verification, 'backup verification').to.match(/^PRAGMA integrity_check ok and kine's revision on the node: revision [1-9]\d*, \d+ rows; size \d+ bytes and sha256 checked here/);
    const bytes = await readFile(backup.artifact);
    expect(bytes.length, 'backup size').to.equal(backup.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex'), 'backup sha256').to.equal(backup.sha256);
    expect(await hostSql(backup.artifact, 'PRAGMA integrity_check;'), 'integrity of the copy here').to.equal('ok');
    expect(await hostSql(backup.artifact, 'PRAGMA journal_mode;'), 'the copy is one standalone file').to.equal('delete');
    const revision = Number(/revision (\d+)/.exec(backup.verification)![1]);
    expect(Number(await hostSql(backup.artifact, 'SELECT max(id) FROM kine;')), "kine's revision in the copy").to.equal(revision);
    expect(Number(await hostSql(backup.artifact, `SELECT count(*) FROM kine WHERE name = '${nodeLeaseKey(SERVER)}';`)), 'lease revisions in the copy (written through the open WAL connection)').to.be.greaterThan(0);

    // after its reboot the server's database is intact and k3s writes to it again, past the backup's revision
    expect(await nodeSql(lab, SERVER, 'PRAGMA integrity_check;'), 'server database after the reboot').to.equal('ok');
    expect(Number(await nodeSql(lab, SERVER, 'SELECT max(id) FROM kine;')), 'revision after the reboot').to.be.greaterThan(revision);
    note(`SQLite backup: ${backup.sizeBytes} bytes, ${backup.verification}; server rebootNode: ${r.noteOf(SERVER, 'rebootNode')}; node-2 rebootNode: ${r.noteOf('node-2', 'rebootNode')}`);
  });
});
