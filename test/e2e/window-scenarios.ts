import { expect } from 'chai';
import { ExitCode } from '../../coordinator/cli/exit-codes.js';
import { WEEKDAY_NAMES } from '../../coordinator/schedule/maintenance-window.js';
import { ClusterSampler, note, type E2eSuite, type Event, type Run } from './e2e-suite.js';

/**
 * Maintenance windows on the real clock (issue #13): windows have minute granularity, so the scenario
 * derives them from the time it starts and leaves every margin to a loaded machine — nothing is
 * asserted about how long anything took, only the order of what happened and the states.
 */

const MINUTE = 60_000;
/** Allowed from the scenario's start until node-1 is asked to start (CLI start, gates, preflight). */
const START_MARGIN_MS = 40_000;

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const day = (ms: number): string => WEEKDAY_NAMES[new Date(ms).getUTCDay()]!;
const ceilMinute = (ms: number): number => Math.ceil(ms / MINUTE) * MINUTE;

function windowYaml(windows: { openMs: number; closeMs: number }[], floorMs: number): string {
  return [
    'windows:',
    ...windows.map((w) => `  - { days: [${day(w.openMs)}], start: "${hhmm(w.openMs)}", end: "${hhmm(w.closeMs)}", timeZone: UTC }`),
    `schedule: { nodeDurationFloor: ${Math.round(floorMs / 1000)}s }`,
  ].join('\n');
}

/** The result document a command printed with -o json (status). */
function resultOf(run: Run, type: string): Record<string, unknown> {
  const line = run.result.stdout.split('\n').find((l) => l.startsWith(`{"type":"${type}"`));
  expect(line, run.result.stdout).to.not.equal(undefined);
  return JSON.parse(line!) as Record<string, unknown>;
}

const index = (events: Event[], type: string, node: string): number => events.findIndex((e) => e.type === type && e.node === node);

export function windowScenarios(s: E2eSuite): void {
  it('a window that closes mid-operation: node-1 runs, node-2 does not start (waiting for window, exit 4, node-2 never cordoned); resume --wait-for-window waits for the next window and completes', async () => {
    const l = s.theLab();
    const version = s.takeVersion();
    const t0 = Date.now();
    // Window 1 is open now and closes at least START_MARGIN_MS + 5 s from now; the floor is what is left of
    // it after START_MARGIN_MS: node-1 fits if it is asked within the margin, and node-2 — asked after node-1
    // and a --pause-between as long as the margin — never does.
    const first = { openMs: Math.floor(t0 / MINUTE) * MINUTE - MINUTE, closeMs: ceilMinute(t0 + START_MARGIN_MS + 5000) };
    const floorMs = first.closeMs - t0 - START_MARGIN_MS;
    await s.writeConfig({ extraYaml: windowYaml([first], floorMs) });
    note(`window 1 ${hhmm(first.openMs)}–${hhmm(first.closeMs)} UTC, node duration floor ${Math.round(floorMs / 1000)}s`);

    const sampler = new ClusterSampler(l);
    sampler.start();
    let stopped: Run;
    try {
      stopped = await s.noderoll(['update', '--to', version, '--yes', '--until-window-end', '--pause-between', `${START_MARGIN_MS / 1000}s`], { okExitCodes: [ExitCode.interrupted] });
    } finally {
      sampler.stop();
    }
    const waiting = stopped.events.find((e) => e.type === 'operation-waiting');
    expect(waiting?.node, stopped.result.stdout).to.equal('node-2');
    note(`stopped: ${waiting?.reason}`);
    expect(stopped.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-1']);
    expect(index(stopped.events, 'node-started', 'node-2'), 'node-2 never started').to.equal(-1);
    expect([...sampler.outOfServiceSeen], 'only node-1 was ever cordoned or NotReady').to.deep.equal(['node-1']);
    expect(await s.installedVersion('node-1')).to.equal(version);
    expect(await s.installedVersion('node-2')).to.not.equal(version);

    const status = await s.noderoll(['status'], { okExitCodes: [ExitCode.interrupted] });
    const operation = resultOf(status, 'status').operation as { status: string; halt: { kind: string; node: string } };
    expect(operation.status).to.equal('waiting-for-window');
    expect(operation.halt).to.include({ kind: 'waiting', node: 'node-2' });

    // The next window: at least a minute after the first closes (adjacent windows would be one) and after now.
    const nextOpen = Math.max(first.closeMs + MINUTE, ceilMinute(Date.now() + 5000));
    const second = { openMs: nextOpen, closeMs: nextOpen + 30 * MINUTE };
    await s.writeConfig({ extraYaml: windowYaml([first, second], floorMs) });
    note(`window 2 ${hhmm(second.openMs)}–${hhmm(second.closeMs)} UTC; resuming with --wait-for-window`);
    const resumed = await s.noderoll(['resume', '--yes', '--wait-for-window']);
    const waited = resumed.events.find((e) => e.type === 'node-waiting');
    expect(waited?.node, 'resume waited for the window before node-2').to.equal('node-2');
    expect(index(resumed.events, 'node-waiting', 'node-2')).to.be.below(index(resumed.events, 'node-started', 'node-2'));
    expect(Date.parse((resumed.events[index(resumed.events, 'node-started', 'node-2')] as Event & { time: string }).time), 'node-2 started inside window 2').to.be.at.least(second.openMs);
    expect(resumed.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-2', 'node-3']);
    expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
    await s.expectClusterHealthy(version);
    await s.writeConfig();
  });
}
