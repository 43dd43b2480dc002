import { expect } from 'chai';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { labEnvScript, siteAgentSettingsFile } from '../../lab/lab-env.js';
import type { LabState } from '../../lab/lab-state.js';
import { nodeShellArgv } from '../../lab/node-shell.js';

function labState(dir: string): LabState {
  return {
    id: 'it',
    octet: 200,
    dir,
    projectDir: '/p',
    ready: true,
    apiServerUrl: 'http://127.0.0.1:1',
    kubeconfig: join(dir, "kube/con'fig"),
    kubeCacheDir: join(dir, 'kube/cache'),
    binDir: join(dir, 'bin'),
    packages: { name: 'noderoll-lab-planet', installed: '7.0.67', update: '7.0.68', dir: join(dir, 'packages'), nodeDir: '/var/lib/noderoll-lab/packages' },
    planetUnit: 'p.service',
    teleportUnit: 't.service',
    nodes: [
      { name: 'node-1', index: 1, role: 'master', machine: 'm1', netns: 'n1', hostAddress: '127.1.0.1', nodeAddress: '127.1.0.2', bridgeAddress: '127.2.0.1', rootfs: '/r1', consoleLog: '/c1', etcdClientUrl: 'http://127.1.0.2:2379' },
      { name: 'node-2', index: 2, role: 'node', machine: 'm2', netns: 'n2', hostAddress: '127.1.0.5', nodeAddress: '127.1.0.6', bridgeAddress: '127.2.0.2', rootfs: '/r2', consoleLog: '/c2' },
    ],
    timings: {},
  };
}

describe('lab env: the shell settings `eval "$(npm run -s lab -- env)"` runs', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-lab-env-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sets the README site settings and a node_shell that calls `lab shell` for this lab, quoting paths safely', async () => {
    const script = labEnvScript(labState(dir), { cli: '/p/dist/test/lab/cli.js', node: '/bin/echo' });
    const r = await runCommand({
      file: 'bash',
      args: ['-c', `set -e\n${script}\nprintf '%s\\n' "$KUBECONFIG" "$NODEROLL_AGENT_SETTINGS" "$NODEROLL_ETCD_ENDPOINTS" "$NODEROLL_TARGET_VERSION" "\${NODEROLL_CONFIG-unset}"\nnode_shell node-2 tar -x -C '/etc/noderoll dir'`],
      timeoutMs: 10_000,
    });
    expect(r.stdout.split('\n')).to.deep.equal([
      join(dir, "kube/con'fig"),
      siteAgentSettingsFile(dir),
      'http://127.1.0.2:2379',
      '7.0.68',
      'unset',
      '/p/dist/test/lab/cli.js shell --id it node-2 tar -x -C /etc/noderoll dir',
      '',
    ]);
  });

  it('exports NODEROLL_CONFIG only when the lab has a coordinator config of its own (a lab with agents)', async () => {
    await mkdir(join(dir, 'noderoll'), { recursive: true });
    await writeFile(join(dir, 'noderoll', 'config.yaml'), '');
    expect(labEnvScript(labState(dir), { cli: 'c', node: 'n' })).to.contain(`export NODEROLL_CONFIG='${join(dir, 'noderoll', 'config.yaml')}'`);
  });

  it('node shell: the command runs in all the node namespaces with an sshd-like environment, not the host one', () => {
    const argv = nodeShellArgv(4242, ['dpkg', '-i', '/tmp/x.deb']);
    expect(argv.slice(0, 4)).to.deep.equal(['-t', '4242', '-a', '--']);
    expect(argv.slice(4, 8)).to.deep.equal(['/usr/bin/env', '-i', '-C', '/root']);
    expect(argv).to.include('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(argv.slice(-3)).to.deep.equal(['dpkg', '-i', '/tmp/x.deb']);
    expect(nodeShellArgv(1, []).slice(-2)).to.deep.equal(['/bin/bash', '-l']);
  });
});
