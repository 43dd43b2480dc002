import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildAgentPackages, type AgentPackages } from '../../packaging/agent-packages.js';
import { DEB_DEPENDS } from '../../packaging/deb.js';
import { defaultAgentYaml } from '../../packaging/default-agent-config.js';
import { shellScript } from '../../packaging/maintainer-scripts.js';
import { AGENT_CONFIG, AGENT_DEFAULT_CONFIG, LAYOUT } from '../../packaging/package-layout.js';
import { tarballTopDir } from '../../packaging/tarball.js';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import { CommandError, runCommand } from '../../shared/exec/command-runner.js';

/**
 * The agent packages as `npm run package` builds them (built once here, then from the build cache):
 * what the .deb, the tarball and the .rpm hold, their scripts, and the self-contained binary
 * itself (--version, --check-config). What they do on a node: agent-package.lab.test.ts.
 */

const run = (file: string, args: string[], okExitCodes?: number[]) => runCommand({ file, args, timeoutMs: 120_000, ...(okExitCodes ? { okExitCodes } : {}) });

/** `./usr/bin/noderoll-agent` → mode and owner of each path in a tar-style listing. */
function listing(text: string, strip: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.trim().split('\n')) {
    const [mode, owner, , , , path] = line.split(/\s+/);
    const p = (path ?? '').replace(strip, '/').replace(/\/$/, '');
    if (p !== '' && p !== '/') out.set(p, `${mode} ${owner}`);
  }
  return out;
}

function tarMode(mode: number, kind: 'file' | 'dir'): string {
  const bits = ['r', 'w', 'x'];
  let s = kind === 'dir' ? 'd' : '-';
  for (let i = 8; i >= 0; i -= 1) s += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  return s;
}

describe('agent packages (npm run package)', function () {
  this.timeout(600_000);
  let packages: AgentPackages;
  let tmp: string;

  before(async () => {
    packages = await buildAgentPackages({ outDir: join(projectRoot, 'dist/packages') });
    tmp = await mkdtemp(join(tmpdir(), 'noderoll-agent-packages-test-'));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('names the files as the contract says', () => {
    expect(basename(packages.deb)).to.equal(`noderoll-agent_${packages.version}_amd64.deb`);
    expect(basename(packages.tarball)).to.equal(`noderoll-agent-${packages.version}-linux-x64.tar.gz`);
    if (packages.rpm) expect(basename(packages.rpm)).to.equal(`noderoll-agent-${packages.version}-1.x86_64.rpm`);
  });

  it('a second build with the same inputs reuses the binary and the packages', async () => {
    const before = await Promise.all([packages.deb, packages.tarball, packages.binary].map(async (f) => (await stat(f)).mtimeMs));
    const again = await buildAgentPackages({ outDir: join(projectRoot, 'dist/packages') });
    expect(again).to.deep.equal(packages);
    expect(await Promise.all([again.deb, again.tarball, again.binary].map(async (f) => (await stat(f)).mtimeMs))).to.deep.equal(before);
  });

  it('.deb control: package, version, architecture, the dependencies of the binary; no conffiles (agent.yaml is the operator\'s)', async () => {
    const control = (await run('dpkg-deb', ['-f', packages.deb])).stdout;
    expect(control).to.include('Package: noderoll-agent\n');
    expect(control).to.include(`Version: ${packages.version}\n`);
    expect(control).to.include('Architecture: amd64\n');
    expect(control).to.include(`Depends: ${DEB_DEPENDS}\n`);
    const dir = join(tmp, 'control');
    await run('dpkg-deb', ['-e', packages.deb, dir]);
    // A dpkg conffile would stop `dpkg -i` at a prompt when the node's bundle was copied first.
    expect(await readdir(dir)).to.not.include('conffiles');
  });

  it('.deb files: the layout, owned by root, with its modes (tls/ and the state directory 0700)', async () => {
    const files = listing((await run('dpkg-deb', ['-c', packages.deb])).stdout, /^\.\//);
    for (const entry of LAYOUT) expect(files.get(entry.path), entry.path).to.equal(`${tarMode(entry.mode, entry.kind)} root/root`);
    expect([...files.keys()].filter((p) => !LAYOUT.some((e) => e.path === p || e.path.startsWith(`${p}/`)))).to.deep.equal([]);
  });

  it('.deb maintainer scripts are the generated ones, valid sh, and do what the contract says', async () => {
    const dir = join(tmp, 'scripts');
    await run('dpkg-deb', ['-e', packages.deb, dir]);
    for (const [name, script] of [
      ['postinst', 'deb-postinst'],
      ['prerm', 'deb-prerm'],
      ['postrm', 'deb-postrm'],
    ] as const) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text, name).to.equal(await shellScript(projectRoot, script));
      await run('sh', ['-n', join(dir, name)]);
      expect(((await stat(join(dir, name))).mode & 0o777).toString(8), name).to.equal('755');
    }
    const postinst = await readFile(join(dir, 'postinst'), 'utf8');
    expect(postinst).to.include('--check-config');
    expect(postinst).to.match(/install_default_config\n\t\tstart_agent_if_configured/);
    expect(postinst).to.include('systemctl enable --now "$AGENT_UNIT"');
    expect(postinst).to.include('try-restart "$AGENT_UNIT"');
    const postrm = await readFile(join(dir, 'postrm'), 'utf8');
    expect(postrm).to.match(/purge\)\n\s+purge_agent_files/);
    expect(postrm).to.not.match(/remove\)\n[^;]*purge_agent_files/);
  });

  it('.deb: the packaged agent.yaml is the generated commented defaults (not /etc itself) and the unit runs /usr/bin/noderoll-agent', async () => {
    const root = join(tmp, 'deb-root');
    await run('dpkg-deb', ['-x', packages.deb, root]);
    expect(await readFile(join(root, AGENT_DEFAULT_CONFIG), 'utf8')).to.equal(defaultAgentYaml());
    expect(await readdir(join(root, 'etc/noderoll'))).to.deep.equal(['tls']);
    const unit = await readFile(join(root, 'lib/systemd/system/noderoll-agent.service'), 'utf8');
    expect(unit).to.equal(await readFile(join(projectRoot, 'systemd/noderoll-agent.service'), 'utf8'));
    expect(unit).to.match(/^ExecStart=\/usr\/bin\/noderoll-agent --config \/etc\/noderoll\/agent\.yaml$/m);
    expect(unit).to.not.match(/\/usr\/bin\/node\b|\/opt\/noderoll/);
  });

  it('tarball: one directory with install.sh and the same files as the .deb', async () => {
    const top = tarballTopDir(packages.version);
    const tarFiles = listing((await run('tar', ['-tvzf', packages.tarball])).stdout, new RegExp(`^${top}/files/`));
    const debFiles = listing((await run('dpkg-deb', ['-c', packages.deb])).stdout, /^\.\//);
    const install = [...tarFiles.keys()].find((p) => p.endsWith('install.sh'));
    expect(install).to.equal(`${top}/install.sh`);
    expect(tarFiles.get(install!)).to.equal('-rwxr-xr-x 0/0');
    const normalized = new Map([...tarFiles].filter(([p]) => p.startsWith('/')).map(([p, v]) => [p, v.replace(' 0/0', ' root/root')]));
    expect(normalized).to.deep.equal(debFiles);
  });

  it('install.sh: valid sh, the generated script, refuses bad arguments before doing anything', async () => {
    await run('tar', ['-xzf', packages.tarball, '-C', tmp]);
    const script = join(tmp, tarballTopDir(packages.version), 'install.sh');
    expect(await readFile(script, 'utf8')).to.equal(await shellScript(projectRoot, 'install'));
    await run('sh', ['-n', script]);
    expect((await run(script, ['--help'])).stdout).to.include('usage: install.sh [--uninstall [--purge]]');
    const bad = await run(script, ['--bogus'], [2]);
    expect(bad.stderr).to.include('unknown argument: --bogus');
    expect((await run(script, ['--purge'], [2])).stderr).to.include('--purge goes with --uninstall');
  });

  it('.rpm (when rpmbuild is installed): the same files and modes, no config files, install/erase scriptlets; rpm unpacks and erases it', async function () {
    if (!packages.rpm) this.skip();
    const rpm = packages.rpm!;
    const files = new Map(
      (await run('rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\\n]', rpm])).stdout
        .trim()
        .split('\n')
        .map((l) => {
          const [mode, owner, path] = l.split(' ');
          return [path ?? '', `${mode} ${owner}`];
        }),
    );
    for (const entry of LAYOUT) expect(files.get(entry.path), entry.path).to.equal(`${tarMode(entry.mode, entry.kind)} root/root`);
    expect((await run('rpm', ['-qp', '--configfiles', rpm])).stdout).to.not.include(AGENT_CONFIG);
    const scripts = (await run('rpm', ['-qp', '--scripts', rpm])).stdout;
    expect(scripts).to.match(/postinstall scriptlet \(using \/bin\/sh\):[\s\S]*install_default_config\n\tstart_agent_if_configured\nelse\n\trestart_agent_if_running/);
    expect(scripts).to.match(/preuninstall scriptlet[\s\S]*if \[ "\$1" -eq 0 \]; then\n\tstop_and_disable_agent/);
    expect((await run('rpm', ['-qpR', rpm])).stdout).to.include('glibc >= 2.28');
    // Unpacked by rpm into a scratch root (no RPM-based system here: dependencies and scriptlets are not run).
    const root = join(tmp, 'rpm-root');
    await run('rpm', ['--root', root, '--initdb']);
    await run('rpm', ['--root', root, '-i', '--nodeps', '--noscripts', rpm]);
    expect((await runCommand({ file: join(root, 'usr/bin/noderoll-agent'), args: ['--version'], timeoutMs: 60_000 })).stdout).to.include('runtime sea');
    expect(((await stat(join(root, 'etc/noderoll/tls'))).mode & 0o777).toString(8)).to.equal('700');
    await run('rpm', ['--root', root, '-e', '--noscripts', 'noderoll-agent']);
    for (const entry of LAYOUT) expect(await stat(join(root, entry.path)).then(() => true, () => false), entry.path).to.equal(false);
  });

  it('`npm run package` (dist/packaging/main.js) prints the package files it built or reused', async () => {
    const out = await runCommand({ file: process.execPath, args: [join(projectRoot, 'dist/packaging/main.js'), '--out', join(projectRoot, 'dist/packages')], cwd: projectRoot, timeoutMs: 600_000 });
    expect(out.stdout.trim().split('\n')).to.deep.equal([packages.deb, packages.tarball, ...(packages.rpm ? [packages.rpm] : [])]);
    const bad = await runCommand({ file: process.execPath, args: [join(projectRoot, 'dist/packaging/main.js'), '--version', 'v1'], cwd: projectRoot, timeoutMs: 60_000, okExitCodes: [1] });
    expect(bad.stderr).to.include('version: "v1" is not a package version');
  });

  it('the floor the README and the .deb state: `objdump -T` of the binary needs at most GLIBC_2.28, GLIBCXX_3.4.21, CXXABI_1.3.9', async () => {
    const symbols = (await run('objdump', ['-T', packages.binary])).stdout;
    const newest = (prefix: string): string => {
      const versions = [...symbols.matchAll(new RegExp(`\\b${prefix}_([0-9.]+)\\b`, 'g'))].map((m) => (m[1] ?? '').split('.').map(Number));
      versions.sort((a, b) => {
        for (let i = 0; i < Math.max(a.length, b.length); i += 1) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
        return 0;
      });
      return versions.at(-1)?.join('.') ?? '';
    };
    expect({ glibc: newest('GLIBC'), glibcxx: newest('GLIBCXX'), cxxabi: newest('CXXABI') }).to.deep.equal({ glibc: '2.28', glibcxx: '3.4.21', cxxabi: '1.3.9' });
  });

  it('the binary is the agent as a single executable application: --version names the build and runtime sea', async () => {
    const out = await runCommand({ file: packages.binary, args: ['--version'], timeoutMs: 60_000, env: { PATH: '/nonexistent' } });
    expect(out.stdout).to.match(new RegExp(`^noderoll-agent ${packages.version.replace(/\./g, '\\.')} \\(commit \\S+, built \\d{4}-\\d\\d-\\d\\dT\\S+Z, runtime sea\\)\\n$`));
    expect(out.stderr).to.equal('');
  });

  it('the binary checks a configuration without any file of the checkout: valid → exit 0 with the settings; invalid → exit 2 naming the field', async () => {
    const good = join(tmp, 'good.yaml');
    await writeFile(good, `tls:\n  mode: insecure-plaintext\nstateDir: ${tmp}/state\ngrpc:\n  listen: 127.0.0.1:7999\n`);
    const cwd = await mkdtemp(join(tmpdir(), 'noderoll-sea-cwd-'));
    try {
      const ok = await runCommand({ file: packages.binary, args: ['--config', good, '--check-config'], cwd, timeoutMs: 60_000, env: { PATH: '/usr/bin:/bin' } });
      expect(JSON.parse(ok.stdout)).to.have.nested.property('grpc.listen');
      expect(ok.stderr).to.include(`configuration ${good} is valid`);
      const bad = join(tmp, 'bad.yaml');
      await writeFile(bad, 'grpc:\n  listen: nowhere\n');
      const err = await runCommand({ file: packages.binary, args: ['--config', bad, '--check-config'], cwd, timeoutMs: 60_000, okExitCodes: [2] });
      expect(err.stderr).to.include('grpc.listen');
    } catch (e) {
      if (e instanceof CommandError) throw new Error(`${e.message}\n${e.result.stdout}${e.result.stderr}`);
      throw e;
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
