import { expect } from 'chai';
import { parseAgentConfig } from '../../../../agent/config/agent-config.js';
import { ETCD_DEFAULTS } from '../../../../agent/config/etcd-config.js';
import { parseAgentFlags } from '../../../../agent/config/flags.js';
import { ConfigError } from '../../../../shared/config/config-error.js';

function problemsOf(yaml: string, overrides = {}): string[] {
  try {
    parseAgentConfig(yaml, 'test.yaml', overrides);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.field}: ${p.problem}`);
  }
  expect.fail('configuration was accepted');
}

describe('agent profile and etcd configuration', () => {
  it('gravity (the default) keeps every default and configures no etcd', () => {
    const c = parseAgentConfig('', 'defaults');
    expect(c.profile).to.equal('gravity');
    expect(c.etcd).to.equal(undefined);
    expect(c.units.allow).to.deep.equal(['gravity__*']);
    expect(c.units.planet).to.deep.equal(['gravity__gravitational*planet*']);
    expect(c.planetChecks.checks.map((k) => k.command[0])).to.deep.equal(['gravity', 'gravity']);
    expect(parseAgentConfig('profile: gravity\n', 'explicit')).to.deep.equal(c);
  });

  it('kubeadm: kubelet and containerd units, no planet, host failed-units check, etcd at kubeadm\'s PKI paths', () => {
    const c = parseAgentConfig('profile: kubeadm\n', 'kubeadm.yaml');
    expect(c.units.allow).to.deep.equal(['kubelet.service', 'containerd.service']);
    expect(c.units.watch).to.deep.equal(['kubelet.service', 'containerd.service']);
    expect(c.units.planet).to.deep.equal([]);
    expect(c.packages.watch).to.deep.equal(['kubelet', 'kubeadm', 'kubectl']);
    expect(c.planetChecks.checks).to.deep.equal([{ name: 'failed-units', command: ['systemctl', '--failed', '--plain', '--no-legend'], expect: 'no-failed-units' }]);
    expect(c.etcd).to.deep.equal(ETCD_DEFAULTS);
    expect(c.etcd?.cert).to.equal('/etc/kubernetes/pki/etcd/healthcheck-client.crt');
    expect(c.install.command).to.deep.equal([]);
  });

  it('explicit settings win over the profile, key by key', () => {
    const c = parseAgentConfig(
      'profile: kubeadm\nunits:\n  allow: [kubelet.service]\npackages:\n  watch: [kubelet]\netcd:\n  etcdctl: /opt/etcd/etcdctl\n  endpoints: ["https://10.0.0.5:2379"]\n',
      'kubeadm.yaml',
    );
    expect(c.units.allow).to.deep.equal(['kubelet.service']);
    expect(c.units.watch).to.deep.equal(['kubelet.service', 'containerd.service']);
    expect(c.packages.watch).to.deep.equal(['kubelet']);
    expect(c.etcd?.etcdctl).to.equal('/opt/etcd/etcdctl');
    expect(c.etcd?.endpoints).to.deep.equal(['https://10.0.0.5:2379']);
    expect(c.etcd?.cacert).to.equal(ETCD_DEFAULTS.cacert);
  });

  it('--profile overrides the file; k3s names its units and its snapshot tool', () => {
    const c = parseAgentConfig('profile: gravity\n', 'x.yaml', { profile: 'k3s' });
    expect(c.profile).to.equal('k3s');
    expect(c.units.allow).to.deep.equal(['k3s.service', 'k3s-agent.service']);
    expect(c.etcd?.snapshotTool).to.equal('k3s');
    expect(c.etcd?.cert).to.equal('/var/lib/rancher/k3s/server/tls/etcd/client.crt');
    expect(c.etcd?.k3s).to.equal('/usr/local/bin/k3s');
    expect(parseAgentConfig('profile: k3s\netcd:\n  k3s: /opt/k3s/bin/k3s\n', 'k').etcd?.k3s).to.equal('/opt/k3s/bin/k3s');
    expect(problemsOf('profile: k3s\netcd:\n  k3s: k3s\n')).to.deep.equal(['etcd.k3s: "k3s" must be an absolute path']);
    expect(parseAgentFlags(['--profile', 'kubeadm']).overrides.profile).to.equal('kubeadm');
    expect(() => parseAgentFlags(['--profile', 'kops'])).to.throw(/--profile: "kops" must be one of gravity, kubeadm, k3s/);
  });

  it('names the field of a bad profile or etcd setting', () => {
    expect(problemsOf('profile: openshift\n')).to.deep.equal(['profile: "openshift" must be one of gravity, kubeadm, k3s']);
    expect(problemsOf('', { profile: 'x' })).to.deep.equal(['--profile: "x" must be one of gravity, kubeadm, k3s']);
    expect(problemsOf('profile: kubeadm\netcd:\n  endpoints: ["https://u:p@h:1/x"]\n  cert: relative.crt\n  keepSnapshots: 0\n  color: red\n')).to.deep.equal([
      'etcd.endpoints[0]: "https://u:p@h:1/x" must be a client URL like https://127.0.0.1:2379 (no path, no credentials)',
      'etcd.cert: "relative.crt" must be an absolute path',
      'etcd.keepSnapshots: must be between 1 and 100, got 0',
      'etcd.color: unknown field; allowed: etcdctl, endpoints, cacert, cert, key, snapshotDir, keepSnapshots, timeoutMs, snapshotTimeoutMs, snapshotTool, k3s, datastore, sqlite3, database',
    ]);
  });

  it('units.planet may be empty except on gravity', () => {
    expect(parseAgentConfig('profile: kubeadm\nunits:\n  planet: []\n', 'k').units.planet).to.deep.equal([]);
    expect(problemsOf('units:\n  planet: []\n')[0]).to.match(/^units\.planet: /);
  });
});
