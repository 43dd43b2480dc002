import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import { projectDir } from '../lab/lab.js';

/**
 * CI's lab cleanup (scripts/ci-lab-cleanup, called by .ci/run on exit) takes down what a crashed
 * test of this checkout left behind, and nothing else: labs that existed before the run and labs of
 * another checkout (a developer's or a second run on the same machine) stay.
 */
describe('CI lab cleanup', () => {
  let dir = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-ci-cleanup-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function lab(id: string, project: string): Promise<void> {
    await mkdir(join(dir, 'labs', id), { recursive: true });
    await writeFile(join(dir, 'labs', id, 'state.json'), `${JSON.stringify({ id, projectDir: project }, null, 2)}\n`);
  }

  it('takes down only the labs of this checkout that appeared during the run', async () => {
    await lab('before1', projectDir);
    await lab('crashed', projectDir);
    await lab('another', '/work/another-checkout');
    await mkdir(join(dir, 'labs', '.octets'));
    await writeFile(join(dir, 'labs', 'crashed.daemon.log'), '');
    // a stand-in for the lab CLI that records what it was asked to take down
    const cli = join(dir, 'lab-cli.js');
    const calls = join(dir, 'calls');
    await writeFile(cli, `require('node:fs').appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(' ') + '\\n');\n`);
    await writeFile(join(dir, 'package.json'), '{"type":"commonjs"}\n');
    await runCommand({
      file: join(projectDir, 'scripts/ci-lab-cleanup'),
      args: ['before1 '],
      env: { ...process.env, NODEROLL_LAB_ROOT: join(dir, 'labs'), NODEROLL_LAB_CLI: cli },
      timeoutMs: 15_000,
    });
    expect((await readFile(calls, 'utf8')).trim().split('\n')).to.deep.equal(['down --id crashed']);
  });
});
