import { expect } from 'chai';
import { snapshotCommandText } from '../../../coordinator/cluster/agent-snapshot-backup.js';

describe('agent snapshot backup: the command recorded', () => {
  it('is the command the agent said it ran (k3s etcd-snapshot save on a k3s server), etcdctl snapshot save when it said none', () => {
    expect(snapshotCommandText(['/usr/local/bin/k3s', 'etcd-snapshot', 'save', '--name', 'noderoll-op-1', '--dir', '/var/lib/noderoll-agent/etcd-snapshots'])).to.equal('k3s etcd-snapshot save --name noderoll-op-1 --dir /var/lib/noderoll-agent/etcd-snapshots');
    expect(snapshotCommandText(undefined)).to.equal('etcdctl snapshot save');
    expect(snapshotCommandText([])).to.equal('etcdctl snapshot save');
  });
});
