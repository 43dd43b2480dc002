import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Lease } from './k8s-types.js';
import { requireKubectl } from './kubectl-support.js';
import { Kubectl } from './kubectl.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';

const NS = 'noderoll-system';

function leaseManifest(spec: Record<string, unknown>, extra: { name?: string; resourceVersion?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: extra.name ?? 'noderoll', namespace: NS, ...(extra.resourceVersion ? { resourceVersion: extra.resourceVersion } : {}) },
    spec,
  });
}

describe('real kubectl against the test API server: Leases and ConfigMaps on the secure port', function () {
  this.timeout(60_000);
  let api: KubeApiServer;
  let admin: Kubectl;
  let dir: string;
  const kubectl = (args: string[], okExitCodes = [0]) => admin.run(args, { okExitCodes });
  const manifest = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    admin = await Kubectl.forServer(api.secureUrl as string, undefined, api.credentials(api.adminToken));
    dir = await mkdtemp(join(tmpdir(), 'noderoll-lease-test-'));
    expect((await kubectl(['create', 'namespace', NS])).stdout.trim()).to.equal(`namespace/${NS} created`);
  });
  after(async () => {
    await admin?.dispose();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('create -f stores a Lease with uid, creationTimestamp, resourceVersion and MicroTime in UTC; a second create is AlreadyExists', async () => {
    const file = await manifest(
      'lease.json',
      leaseManifest({ holderIdentity: 'host-a/4242/op-1', leaseDurationSeconds: 30, acquireTime: '2026-12-01T22:00:00.000000+02:00', renewTime: '2026-12-01T20:00:05.123456Z', leaseTransitions: 0 }),
    );
    expect((await kubectl(['create', '-f', file])).stdout.trim()).to.equal('lease.coordination.k8s.io/noderoll created');
    const lease = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(lease.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(lease.metadata.creationTimestamp).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(lease.metadata.resourceVersion).to.match(/^\d+$/);
    expect(lease.spec).to.deep.equal({ holderIdentity: 'host-a/4242/op-1', leaseDurationSeconds: 30, acquireTime: '2026-12-01T20:00:00.000000Z', renewTime: '2026-12-01T20:00:05.123456Z', leaseTransitions: 0 });
    const again = await kubectl(['create', '-f', file], [1]);
    expect(again.stderr.trim()).to.equal(`Error from server (AlreadyExists): error when creating "${file}": leases.coordination.k8s.io "noderoll" already exists`);
  });

  it('get lease prints NAME, HOLDER, AGE', async () => {
    const out = await kubectl(['get', 'lease', '-n', NS]);
    const [header, row] = out.stdout.trim().split('\n');
    expect(header).to.match(/^NAME\s+HOLDER\s+AGE$/);
    expect(row).to.match(/^noderoll\s+host-a\/4242\/op-1\s+\d+s$/);
  });

  it('every write bumps resourceVersion; replace with a stale resourceVersion is a Conflict and changes nothing', async () => {
    const before = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    const staleVersion = before.metadata.resourceVersion as string;
    await kubectl(['patch', 'lease', 'noderoll', '-n', NS, '--type', 'merge', '-p', '{"spec":{"renewTime":"2026-12-01T20:00:15.000000Z"}}']);
    const renewed = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(Number(renewed.metadata.resourceVersion)).to.be.greaterThan(Number(staleVersion));
    expect(renewed.metadata.uid).to.equal(before.metadata.uid);
    await kubectl(['patch', 'lease', 'noderoll', '-n', NS, '-p', '{"spec":{"leaseTransitions":1}}']);
    const patched = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(Number(patched.metadata.resourceVersion)).to.be.greaterThan(Number(renewed.metadata.resourceVersion));
    expect(patched.spec?.leaseTransitions).to.equal(1);

    const stale = await manifest('stale.json', leaseManifest({ holderIdentity: 'host-b/1/op-2', leaseDurationSeconds: 30 }, { resourceVersion: staleVersion }));
    const refused = await kubectl(['replace', '-f', stale], [1]);
    expect(refused.stderr.trim()).to.equal(
      `Error from server (Conflict): error when replacing "${stale}": Operation cannot be fulfilled on leases.coordination.k8s.io "noderoll": the object has been modified; please apply your changes to the latest version and try again`,
    );
    const after = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(after.spec?.holderIdentity).to.equal('host-a/4242/op-1');
    expect(after.metadata.resourceVersion).to.equal(patched.metadata.resourceVersion);

    const fresh = await manifest('fresh.json', leaseManifest({ holderIdentity: 'host-b/1/op-2', leaseDurationSeconds: 30 }, { resourceVersion: after.metadata.resourceVersion as string }));
    expect((await kubectl(['replace', '-f', fresh])).stdout.trim()).to.equal('lease.coordination.k8s.io/noderoll replaced');
    const taken = await admin.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(taken.spec?.holderIdentity).to.equal('host-b/1/op-2');
    expect(Number(taken.metadata.resourceVersion)).to.be.greaterThan(Number(after.metadata.resourceVersion));
  });

  it('refuses what the real Lease validation refuses: leaseDurationSeconds <= 0, negative leaseTransitions, a renewTime that is not MicroTime', async () => {
    const zero = await kubectl(['create', '-f', await manifest('zero.json', leaseManifest({ leaseDurationSeconds: 0, leaseTransitions: -1 }, { name: 'bad' }))], [1]);
    expect(zero.stderr.trim()).to.match(
      /^The Lease "bad" is invalid: \n\* spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0\n\* spec\.leaseTransitions: Invalid value: -1: must be greater than or equal to 0$/,
    );
    const seconds = await kubectl(['create', '-f', await manifest('seconds.json', leaseManifest({ renewTime: '2026-12-01T20:00:05Z' }, { name: 'bad' }))], [1]);
    expect(seconds.stderr.trim()).to.include('Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-01T20:00:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"');
    const missing = await kubectl(['get', 'lease', 'bad', '-n', NS], [1]);
    expect(missing.stderr.trim()).to.equal('Error from server (NotFound): leases.coordination.k8s.io "bad" not found');
  });

  it('ConfigMaps: create, get -o json, a data total over 1 MiB is Invalid like the real one', async () => {
    expect((await kubectl(['create', 'configmap', 'noderoll-state', '-n', NS, '--from-literal=operation={"id":"op-1"}'])).stdout.trim()).to.equal('configmap/noderoll-state created');
    const cm = await admin.json<ConfigMap>(['get', 'configmap', 'noderoll-state', '-n', NS]);
    expect(cm.data).to.deep.equal({ operation: '{"id":"op-1"}' });
    expect(cm.metadata.resourceVersion).to.match(/^\d+$/);
    const table = await kubectl(['get', 'cm', '-n', NS]);
    expect(table.stdout.trim().split('\n')[1]).to.match(/^noderoll-state\s+1\s+\d+s$/);

    const exactly = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'full', namespace: NS }, data: { a: 'x'.repeat(512 * 1024), b: 'y'.repeat(512 * 1024) } };
    expect((await kubectl(['create', '-f', await manifest('full.json', JSON.stringify(exactly))])).stdout.trim()).to.equal('configmap/full created');
    const over = { ...exactly, metadata: { name: 'big', namespace: NS }, data: { ...exactly.data, c: 'z' } };
    const refused = await kubectl(['create', '-f', await manifest('big.json', JSON.stringify(over))], [1]);
    expect(refused.stderr.trim()).to.equal('The ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes');
    expect(api.store.configmaps.get('big', NS)).to.equal(undefined);
  });

  it('an immutable ConfigMap refuses a change of its data', async () => {
    const frozen = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: NS }, data: { a: '1' }, immutable: true };
    await kubectl(['create', '-f', await manifest('frozen.json', JSON.stringify(frozen))]);
    const refused = await kubectl(['patch', 'configmap', 'frozen', '-n', NS, '--type', 'merge', '-p', '{"data":{"a":"2"}}'], [1]);
    expect(refused.stderr.trim()).to.equal('The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    expect(api.store.configmaps.get('frozen', NS)?.data).to.deep.equal({ a: '1' });
  });

  it('delete removes the object; the next get is NotFound', async () => {
    expect((await kubectl(['delete', 'lease', 'noderoll', '-n', NS])).stdout.trim()).to.equal('lease.coordination.k8s.io "noderoll" deleted');
    const gone = await kubectl(['get', 'lease', 'noderoll', '-n', NS], [1]);
    expect(gone.stderr.trim()).to.equal('Error from server (NotFound): leases.coordination.k8s.io "noderoll" not found');
  });
});
