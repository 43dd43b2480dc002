import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServiceNotifications } from '../../../agent/systemd/service-notifications.js';
import { takeNotifyEnvironment } from '../../../agent/systemd/systemd-notify.js';
import { eventLoopDelaySampler, loopDelayResolutionMs, WATCHDOG_PINGS_PER_PERIOD, watchdogMaxLagMs, watchdogPingIntervalMs, WatchdogPinger, type LoopDelaySampler } from '../../../agent/systemd/watchdog-pinger.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { CommandError, formatCommand, type CommandResult, type CommandSpec } from '../../../shared/exec/command-runner.js';
import { silentLogger } from '../../../shared/log/logger.js';
import type { WaitClock } from '../../../shared/time/wait-for.js';
import { agentWatchdogDropIn } from '../../lab/node-rootfs.js';

/** Virtual time whose sleepers wake only when the test advances it: a stall is one big advance. */
class ManualClock implements WaitClock {
  private t = 1_000_000;
  private sleepers: { at: number; wake: () => void }[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      const sleeper = {
        at: this.t + ms,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  /** Moves time on, waking whoever is due, and lets their continuations run. */
  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.wake();
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }
}

/** systemd-notify behind the runner seam: records each run with the socket it was given. */
class FakeNotify {
  readonly sent: { args: string[]; socket: string | undefined }[] = [];
  fail = false;
  readonly run = async (spec: CommandSpec): Promise<CommandResult> => {
    expect(spec.file).to.equal('systemd-notify');
    expect(spec.timeoutMs).to.be.above(0);
    this.sent.push({ args: [...spec.args], socket: spec.env?.NOTIFY_SOCKET });
    const result: CommandResult = { command: formatCommand(spec.file, spec.args), exitCode: this.fail ? 1 : 0, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 1 };
    if (this.fail) throw new CommandError('exit', { ...result, stderr: 'Failed to notify init system' });
    return result;
  };
  pings(): number {
    return this.sent.filter((s) => s.args.join(' ') === 'WATCHDOG=1').length;
  }
}

/** A loop-delay source the test sets. */
class SetDelay implements LoopDelaySampler {
  maxMs = 0;
  takeMaxMs(): number {
    const m = this.maxMs;
    this.maxMs = 0;
    return m;
  }
  close(): void {}
}

async function unitValue(name: string, text?: string): Promise<string[]> {
  const unit = text ?? (await readFile(join(projectRoot, 'systemd/noderoll-agent.service'), 'utf8'));
  return [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

describe('systemd watchdog: the agent pings while its event loop is healthy', () => {
  it('the unit has Type=notify, NotifyAccess=main, WatchdogSec= and a short abort timeout, and the ping interval is well inside WatchdogSec', async () => {
    expect(await unitValue('Type')).to.deep.equal(['notify']);
    expect(await unitValue('NotifyAccess')).to.deep.equal(['main']);
    // the young generation capped (bench/RESULTS.md, "Agent footprint on a node"): an option NODE_OPTIONS allows
    expect(await unitValue('Environment')).to.include('NODE_OPTIONS=--max-semi-space-size=2');
    const watchdog = await unitValue('WatchdogSec');
    expect(watchdog, 'exactly one WatchdogSec= in seconds').to.have.length(1);
    expect(watchdog[0]).to.match(/^\d+$/);
    const abort = await unitValue('TimeoutAbortSec');
    expect(abort, 'a watchdog abort must not wait TimeoutStopSec (30 min)').to.have.length(1);
    expect(Number(abort[0])).to.be.within(1, 120);
    // production and the lab's drop-in: four pings per period; a skipped ping's lag limit and one
    // systemd-notify run both fit in one interval's slack, so three lost pings still leave a fourth
    for (const sec of [Number(watchdog[0]), Number((await unitValue('WatchdogSec', agentWatchdogDropIn(5)))[0])]) {
      const ms = sec * 1000;
      expect(WATCHDOG_PINGS_PER_PERIOD).to.be.at.least(3);
      expect(watchdogPingIntervalMs(ms)).to.be.at.most(ms / 4);
      expect(watchdogPingIntervalMs(ms) + watchdogMaxLagMs(ms)).to.be.below(ms / 2);
    }
    expect(Number(watchdog[0]), 'production WatchdogSec').to.be.within(10, 120);
  });

  it('reads NOTIFY_SOCKET and WATCHDOG_USEC once and removes them, so no child of the agent can ping for it', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42', PATH: '/usr/bin' };
    expect(takeNotifyEnvironment(env, 42)).to.deep.equal({ socket: '/run/systemd/notify', watchdogMs: 30_000 });
    expect(env).to.deep.equal({ PATH: '/usr/bin' });
    // WATCHDOG_PID names another process: the watchdog is not this process's to feed
    expect(takeNotifyEnvironment({ NOTIFY_SOCKET: '@notify', WATCHDOG_USEC: '5000000', WATCHDOG_PID: '7' }, 42)).to.deep.equal({ socket: '@notify', watchdogMs: undefined });
    expect(takeNotifyEnvironment({ WATCHDOG_USEC: '5000000' }, 42)).to.equal(undefined);
    expect(takeNotifyEnvironment({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: 'soon' }, 42)).to.deep.equal({ socket: '/run/x', watchdogMs: undefined });
  });

  it('READY=1 first, then WATCHDOG=1 through systemd-notify every WatchdogSec/4; a stall sends nothing and a late timer skips its ping', async () => {
    const clock = new ManualClock();
    const notify = new FakeNotify();
    const delay = new SetDelay();
    const n = await startServiceNotifications({ socket: '/run/systemd/notify', watchdogMs: 8000 }, { logger: silentLogger, runner: notify.run, clock, loopDelay: delay });
    try {
      expect(notify.sent).to.deep.equal([{ args: ['READY=1'], socket: '/run/systemd/notify' }]);
      const pinger = n.watchdog!;
      expect(pinger.intervalMs).to.equal(2000);
      for (let i = 0; i < 4; i++) await clock.advance(2000);
      expect(notify.pings(), 'one ping per interval').to.equal(4);
      expect(notify.sent.every((s) => s.socket === '/run/systemd/notify')).to.equal(true);

      // the event loop stalls for 9 s (longer than WatchdogSec): no timer runs, so nothing is sent,
      // and the timer that finally fires 7 s late does not ping either
      await clock.advance(9000);
      expect(notify.pings()).to.equal(4);
      expect(pinger.outcomes.at(-1)).to.equal('late');
      await clock.advance(2000);
      expect(notify.pings(), 'pings again once the loop keeps time').to.equal(5);

      // on time, but the loop was blocked for 1.5 s since the last ping (above 1 s = interval/2)
      delay.maxMs = 1500;
      await clock.advance(2000);
      expect(pinger.outcomes.at(-1)).to.equal('loop-delay');
      expect(notify.pings()).to.equal(5);
      await clock.advance(2000);
      expect(notify.pings()).to.equal(6);

      // systemd-notify failing is reported as such and does not stop the schedule
      notify.fail = true;
      await clock.advance(2000);
      expect(pinger.outcomes.at(-1)).to.equal('failed');
      notify.fail = false;
      await clock.advance(2000);
      expect(pinger.outcomes.at(-1)).to.equal('sent');
    } finally {
      await n.stop();
    }
    const after = notify.sent.length;
    await clock.advance(10_000);
    expect(notify.sent.length, 'nothing after stop').to.equal(after);
  });

  it('without WatchdogSec only READY=1 is sent', async () => {
    const notify = new FakeNotify();
    const n = await startServiceNotifications({ socket: '@notify', watchdogMs: undefined }, { logger: silentLogger, runner: notify.run, clock: new ManualClock() });
    expect(n.watchdog).to.equal(undefined);
    expect(notify.sent.map((s) => s.args)).to.deep.equal([['READY=1']]);
  });

  it('samples the event-loop delay as coarsely as the lag limit allows, and bounds a stall from above (real timers)', async () => {
    // production: a quarter of the lag limit, at most a second (one wake-up a second when idle)
    expect(loopDelayResolutionMs(watchdogMaxLagMs(30_000))).to.equal(937);
    expect(loopDelayResolutionMs(watchdogMaxLagMs(120_000))).to.equal(1000);
    expect(loopDelayResolutionMs(watchdogMaxLagMs(400))).to.equal(12);
    expect(loopDelayResolutionMs(0)).to.equal(10);
    // a 300 ms stall seen by a 100 ms sampler: its lateness alone may read as little as 200 ms
    const sampler = eventLoopDelaySampler(100);
    try {
      await new Promise((r) => setTimeout(r, 150));
      sampler.takeMaxMs();
      const end = Date.now() + 300;
      while (Date.now() < end) {
        /* the stall */
      }
      await new Promise((r) => setTimeout(r, 120));
      expect(sampler.takeMaxMs()).to.be.at.least(300);
    } finally {
      sampler.close();
    }
  });

  it('a stall between two pings, over the lag limit, skips the next ping although its timer fires on time (real clock and sampler)', async () => {
    // interval 500 ms, lag limit 250 ms; a 300 ms stall right after a ping ends before the next is due
    const watchdogMs = 2000;
    const pinger = new WatchdogPinger({ ping: async () => undefined, watchdogMs, logger: silentLogger, loopDelay: eventLoopDelaySampler(loopDelayResolutionMs(watchdogMaxLagMs(watchdogMs))) });
    pinger.start();
    try {
      while (pinger.outcomes.length === 0) await new Promise((r) => setTimeout(r, 5));
      const end = Date.now() + 300;
      while (Date.now() < end) {
        /* the stall */
      }
      while (pinger.outcomes.length < 2) await new Promise((r) => setTimeout(r, 5));
      expect(pinger.outcomes[1], 'the ping after the stall').to.be.oneOf(['loop-delay', 'late']);
    } finally {
      await pinger.stop();
    }
  });

  it('a busy event loop (real clock, real loop-delay sampler) skips the ping that falls due during it', async () => {
    const sent: number[] = [];
    // interval 100 ms, lag limit 50 ms; the busy loop lasts 300 ms, so whatever ping falls due in
    // it comes at least 200 ms late: only a lower bound is relied on
    const pinger = new WatchdogPinger({ ping: async () => void sent.push(Date.now()), watchdogMs: 400, logger: silentLogger, loopDelay: eventLoopDelaySampler(20) });
    pinger.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const before = pinger.outcomes.length;
      const sentBefore = sent.length;
      const end = Date.now() + 300;
      while (Date.now() < end) {
        /* the stall */
      }
      await new Promise((r) => setTimeout(r, 20));
      const next = pinger.outcomes.slice(before);
      expect(next.length, 'the timer fired after the stall').to.be.at.least(1);
      expect(next[0]).to.be.oneOf(['late', 'loop-delay']);
      expect(sent.length, 'no ping went out for the stalled interval').to.equal(sentBefore);
    } finally {
      await pinger.stop();
    }
  });
});
