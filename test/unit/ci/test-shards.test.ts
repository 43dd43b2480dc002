import { expect } from 'chai';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';

/**
 * scripts/dev test runs the suite as two halves at once (.mocharc.cjs, test/shards.cjs). Together they are
 * exactly the suite `npx mocha` runs in one process: every test in one half, none in both.
 */

async function titles(shard: string | undefined): Promise<string[]> {
  const env = { ...process.env };
  delete env.NODEROLL_TEST_SHARD;
  if (shard !== undefined) env.NODEROLL_TEST_SHARD = shard;
  // mocha's json reporter in a dry run lists every test with its file, without running any
  const r = await runCommand({ file: 'npx', args: ['mocha', '--dry-run', '--reporter', 'json'], cwd: projectRoot, env, timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024 });
  const report = JSON.parse(r.stdout) as { tests: { fullTitle: string; file: string }[] };
  return report.tests.map((t) => `${t.file.slice(projectRoot.length + 1)}: ${t.fullTitle}`);
}

describe('the test suite in two halves (scripts/dev test)', function () {
  this.timeout(300_000);

  it('npx mocha runs every test once; the halves labs and rest split that suite with nothing lost or doubled', async () => {
    const [all, labs, rest] = await Promise.all([titles(undefined), titles('labs'), titles('rest')]);
    expect(all.length).to.be.greaterThan(1000);
    expect(labs.length, 'the labs half has tests').to.be.greaterThan(10);
    expect(labs.filter((t) => rest.includes(t)), 'in both halves').to.deep.equal([]);
    expect([...labs, ...rest].sort()).to.deep.equal([...all].sort());
    expect(labs.every((t) => t.startsWith('dist/test/e2e/') || t.startsWith('dist/test/lab/')), 'the labs half holds lab suites only').to.equal(true);
  });

  it('refuses an unknown half, naming the variable', async () => {
    const r = await runCommand({ file: 'npx', args: ['mocha', '--dry-run'], cwd: projectRoot, env: { ...process.env, NODEROLL_TEST_SHARD: 'half' }, timeoutMs: 120_000, okExitCodes: [0, 1, 2] });
    expect(r.exitCode).to.not.equal(0);
    expect(r.stderr + r.stdout).to.include('NODEROLL_TEST_SHARD: "half" is not labs or rest');
  });
});
