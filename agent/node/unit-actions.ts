import { unitFileEnabled } from '../../shared/systemd/unit-file-state.js';
import { notYet, ready, waitFor, WaitTimeoutError, type Probe } from '../../shared/time/wait-for.js';
import { AgentError, commandFailure } from '../agent-error.js';
import type { UnitState } from '../systemd/show-parser.js';
import type { Systemctl } from '../systemd/systemctl.js';

/**
 * The runbook's unit steps with their checks: stop a unit and confirm it is really stopped, start
 * or `enable --now` one and confirm it is running. Each takes an absolute deadline; the systemctl
 * job and the confirmation share it. Names are validated by the caller.
 */

const STOPPED = new Set(['inactive', 'failed']);
const RUNNING = new Set(['active', 'reloading']);

function describeState(s: UnitState): string {
  return `LoadState=${s.loadState} ActiveState=${s.activeState} SubState=${s.subState}${s.mainPid ? ` MainPID=${s.mainPid}` : ''}`;
}

export class UnitActions {
  constructor(
    private readonly systemctl: Systemctl,
    private readonly clock: () => number = Date.now,
  ) {}

  private remaining(deadline: number, what: string): number {
    const left = deadline - this.clock();
    if (left <= 0) throw new AgentError('DEADLINE_EXCEEDED', `${what}: no time left before the deadline`);
    return left;
  }

  private async known(unit: string, verb: string): Promise<UnitState> {
    const s = await this.systemctl.showOne(unit).catch((err: unknown) => {
      throw commandFailure(`${verb} ${unit}: reading its state`, err);
    });
    if (s.loadState === 'not-found') throw new AgentError('NOT_FOUND', `unit: ${unit} is not known to systemd (LoadState=not-found)`);
    return s;
  }

  private async settle(unit: string, what: string, deadline: number, probe: (s: UnitState) => Probe<UnitState>): Promise<UnitState> {
    try {
      return await waitFor({ what, timeoutMs: this.remaining(deadline, what), initialDelayMs: 50, maxDelayMs: 500 }, async () => probe(await this.systemctl.showOne(unit)));
    } catch (err) {
      if (err instanceof WaitTimeoutError) throw new AgentError('DEADLINE_EXCEEDED', err.message);
      throw err;
    }
  }

  /** `systemctl stop`, then waits until ActiveState is inactive (or failed): no process of it is left. */
  async stopUnit(unit: string, deadline: number): Promise<UnitState> {
    await this.known(unit, 'stop');
    try {
      await this.systemctl.stop(unit, this.remaining(deadline, `stop ${unit}`));
    } catch (err) {
      const now = await this.systemctl.showOne(unit).then(describeState, () => 'state unknown');
      throw commandFailure(`stop ${unit} (now ${now})`, err);
    }
    return this.settle(unit, `unit ${unit} to be inactive`, deadline, (s) => (STOPPED.has(s.activeState) ? ready(s) : notYet(describeState(s))));
  }

  private running(unit: string): (s: UnitState) => Probe<UnitState> {
    return (s) => {
      if (RUNNING.has(s.activeState)) return ready(s);
      if (s.activeState === 'failed' || (s.activeState === 'inactive' && s.subState !== 'dead')) {
        throw new AgentError('FAILED_PRECONDITION', `unit: ${unit} did not stay up: ${describeState(s)}; see ScanJournal with units=[${unit}]`);
      }
      return notYet(describeState(s));
    };
  }

  private async waitRunning(unit: string, deadline: number): Promise<UnitState> {
    try {
      return await this.settle(unit, `unit ${unit} to be active`, deadline, this.running(unit));
    } catch (err) {
      throw err instanceof AgentError ? err : commandFailure(`start ${unit}`, err);
    }
  }

  /** `systemctl start`, then waits until it is active. */
  startUnit(unit: string, deadline: number): Promise<UnitState> {
    return this.runUntilActive('start', unit, deadline);
  }

  /** `systemctl restart` (a stopped unit is started), then waits until it is active again. */
  restartUnit(unit: string, deadline: number): Promise<UnitState> {
    return this.runUntilActive('restart', unit, deadline);
  }

  private async runUntilActive(verb: 'start' | 'restart', unit: string, deadline: number): Promise<UnitState> {
    const before = await this.known(unit, verb);
    if (before.loadState === 'masked') throw new AgentError('FAILED_PRECONDITION', `unit: ${unit} is masked; it cannot be ${verb}ed`);
    try {
      await this.systemctl[verb](unit, this.remaining(deadline, `${verb} ${unit}`));
    } catch (err) {
      throw commandFailure(`${verb} ${unit}`, err);
    }
    return this.waitRunning(unit, deadline);
  }

  /** `systemctl enable [--now]`; with now, waits until it is active, else until it is enabled. */
  async enableUnit(unit: string, now: boolean, deadline: number): Promise<UnitState> {
    const before = await this.known(unit, 'enable');
    if (before.loadState === 'masked') throw new AgentError('FAILED_PRECONDITION', `unit: ${unit} is masked; unmask it first`);
    try {
      await this.systemctl.enable(unit, now, this.remaining(deadline, `enable ${unit}`));
    } catch (err) {
      throw commandFailure(`enable${now ? ' --now' : ''} ${unit}`, err);
    }
    if (now) return this.waitRunning(unit, deadline);
    const after = await this.systemctl.showOne(unit);
    if (!unitFileEnabled(after.unitFileState)) {
      throw new AgentError('FAILED_PRECONDITION', `unit: ${unit} is ${after.unitFileState || 'without a unit file state'} after systemctl enable`);
    }
    return after;
  }
}
