import { expect } from 'chai';
import { CommandError, runCommand, type CommandResult } from '../../shared/exec/command-runner.js';

/**
 * promtool is a test dependency (scripts/dev installs Debian's `prometheus`): when it is missing
 * the test fails saying so, it never passes without the check. NODEROLL_PROMTOOL names another binary.
 */
export const PROMTOOL = process.env.NODEROLL_PROMTOOL ?? 'promtool';

/** Runs promtool; exit codes 0, 1 and 3 (problems found) are results, a missing binary is an error. */
export async function runPromtool(args: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  try {
    return await runCommand({ file: PROMTOOL, args, timeoutMs: options.timeoutMs ?? 60_000, okExitCodes: [0, 1, 3], ...(options.input !== undefined ? { input: options.input } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
  } catch (err) {
    if (err instanceof CommandError && err.kind === 'spawn') {
      throw new Error(`${PROMTOOL} could not be run (${err.message}): this test needs promtool; scripts/dev installs it (apt-get install --no-install-recommends prometheus)`);
    }
    throw err;
  }
}

/** `promtool check metrics` accepts the exposition text (names, help, types, no lint problems). */
export async function expectPromtoolCleanMetrics(metrics: string): Promise<void> {
  const r = await runPromtool(['check', 'metrics'], { input: metrics, timeoutMs: 15_000 });
  expect(r.exitCode, `promtool check metrics:\n${r.stdout}${r.stderr}`).to.equal(0);
}
