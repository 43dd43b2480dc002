import { parseClusterHealthV2 } from '../../shared/etcd/cluster-health.js';
import { runCommand, tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { PlanetCheck, PlanetCheckExpectation } from '../config/agent-config.js';
import { parseListUnits } from '../systemd/list-units-parser.js';

/**
 * The runbook's "gravity enter and check the results", automated: each configured check is a
 * read-only command run inside planet (`gravity exec --no-tty --no-interactive ...` by default),
 * judged by its expectation. The verdict comes from the content where the content tells more
 * than the exit code (`systemctl --failed` exits 0 with failed units listed on some versions).
 */

export interface PlanetCheckOutcome {
  name: string;
  command: string[];
  expect: PlanetCheckExpectation;
  ok: boolean;
  exitCode: number;
  stdoutTail: string;
  stderrTail: string;
  failedUnits: string[];
  problem: string;
  durationMs: number;
}

/** Pure: the verdict on one finished check. exitCode -1: did not exit normally. */
export function judgePlanetCheck(expect: PlanetCheckExpectation, exitCode: number, stdout: string, stderr = ''): { ok: boolean; failedUnits: string[]; problem: string } {
  if (exitCode === -1) return { ok: false, failedUnits: [], problem: 'the command did not finish (see stderr)' };
  switch (expect) {
    case 'exit-zero':
      return exitCode === 0 ? { ok: true, failedUnits: [], problem: '' } : { ok: false, failedUnits: [], problem: `exited with code ${exitCode}` };
    case 'empty-output':
      return stdout.trim() === '' ? { ok: true, failedUnits: [], problem: '' } : { ok: false, failedUnits: [], problem: 'printed output where none was expected' };
    case 'no-failed-units': {
      let failed: string[];
      try {
        failed = parseListUnits(stdout).map((u) => u.unit);
      } catch (err) {
        return { ok: false, failedUnits: [], problem: `could not parse the failed-unit list: ${(err as Error).message}` };
      }
      if (failed.length > 0) return { ok: false, failedUnits: failed, problem: `${failed.length} failed unit(s): ${failed.join(', ')}` };
      if (exitCode !== 0) return { ok: false, failedUnits: [], problem: `listed no failed units but exited with code ${exitCode}` };
      return { ok: true, failedUnits: [], problem: '' };
    }
    case 'etcd-members-healthy': {
      // The coordinator's etcd gate parser: etcd <= 3.2 says `cluster is healthy` (exit 0) while a member is down.
      const health = parseClusterHealthV2(stdout, exitCode, stderr);
      return health.healthy ? { ok: true, failedUnits: [], problem: '' } : { ok: false, failedUnits: [], problem: health.problems.join('; ') };
    }
  }
}

export async function runPlanetChecks(checks: readonly PlanetCheck[], timeoutMs: number, runner: CommandRunner = runCommand): Promise<PlanetCheckOutcome[]> {
  const out: PlanetCheckOutcome[] = [];
  // One after another: they run inside planet on a node that is being brought back.
  for (const c of checks) {
    const started = Date.now();
    const [file, ...args] = c.command as [string, ...string[]];
    let exitCode = -1;
    let stdout = '';
    let stderr = '';
    try {
      const r = await runner({ file, args, timeoutMs, maxOutputBytes: 256 * 1024, okExitCodes: Array.from({ length: 256 }, (_, i) => i) });
      exitCode = r.exitCode ?? -1;
      stdout = r.stdout;
      stderr = r.stderr;
    } catch (err) {
      stderr = (err as Error).message;
    }
    const verdict = judgePlanetCheck(c.expect, exitCode, stdout, stderr);
    out.push({ name: c.name, command: [...c.command], expect: c.expect, exitCode, stdoutTail: tail(stdout, 4000), stderrTail: tail(stderr, 2000), ...verdict, durationMs: Date.now() - started });
  }
  return out;
}
