import { runCommand, type CommandResult, type CommandRunner } from '../../shared/exec/command-runner.js';
import { parseListUnits, type ListedUnit } from './list-units-parser.js';
import { UNIT_STATE_PROPERTIES, unitStatesFromShow, type UnitState } from './show-parser.js';
import { parseListUnitFiles, parseSystemdVersion, type UnitFile } from './unit-files-parser.js';

/**
 * systemctl, run through the shared command runner. Every unit name or pattern is passed after
 * `--`, so nothing a caller names can be read as an option. Callers validate names first
 * (shared/validation/unit-name.ts); this layer only runs and parses.
 */

export interface SystemctlOptions {
  runner?: CommandRunner;
  /** Program name or path (default `systemctl`). */
  binary?: string;
  /** Deadline of read-only queries. */
  queryTimeoutMs?: number;
}

export class Systemctl {
  private readonly run: CommandRunner;
  private readonly binary: string;
  private readonly queryTimeoutMs: number;
  private versionCache: { version: number; text: string } | undefined;

  constructor(options: SystemctlOptions = {}) {
    this.run = options.runner ?? runCommand;
    this.binary = options.binary ?? 'systemctl';
    this.queryTimeoutMs = options.queryTimeoutMs ?? 15_000;
  }

  private query(args: string[], okExitCodes: number[] = [0], signal?: AbortSignal): Promise<CommandResult> {
    return this.run({ file: this.binary, args, timeoutMs: this.queryTimeoutMs, okExitCodes, maxOutputBytes: 8 * 1024 * 1024, ...(signal ? { signal } : {}) });
  }

  async version(): Promise<{ version: number; text: string }> {
    if (!this.versionCache) this.versionCache = parseSystemdVersion((await this.query(['--version'])).stdout);
    return this.versionCache;
  }

  /** State of each unit (unknown units come back with loadState `not-found`). */
  async show(units: readonly string[]): Promise<UnitState[]> {
    if (units.length === 0) return [];
    const r = await this.query(['show', `--property=${UNIT_STATE_PROPERTIES.join(',')}`, '--', ...units]);
    return unitStatesFromShow(r.stdout, units);
  }

  async showOne(unit: string): Promise<UnitState> {
    const [state] = await this.show([unit]);
    if (!state) throw new Error(`systemctl show printed nothing for ${unit}`);
    return state;
  }

  /** Loaded units matching the patterns (`--all`: also inactive ones). */
  async listUnits(patterns: readonly string[], options: { all?: boolean } = {}): Promise<ListedUnit[]> {
    const args = ['list-units', '--plain', '--no-legend', '--no-pager', '--output=json', ...(options.all ? ['--all'] : []), '--', ...patterns];
    return parseListUnits((await this.query(args)).stdout);
  }

  /** Units in the failed state. Decides on content, not on the exit code. */
  async listFailed(): Promise<ListedUnit[]> {
    const r = await this.query(['list-units', '--failed', '--all', '--plain', '--no-legend', '--no-pager', '--output=json']);
    return parseListUnits(r.stdout);
  }

  /** Unit files matching the patterns, loaded or not. */
  async listUnitFiles(patterns: readonly string[]): Promise<UnitFile[]> {
    // Exit 1 with no output when nothing matches (systemd >= 230 prints "0 unit files listed." instead).
    const r = await this.query(['list-unit-files', '--no-legend', '--no-pager', '--', ...patterns], [0, 1]);
    return parseListUnitFiles(r.stdout);
  }

  /** Runs a state-changing verb and waits for systemd's job to finish (systemctl's default). */
  private change(verb: string[], unit: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.run({ file: this.binary, args: [...verb, '--', unit], timeoutMs, ...(signal ? { signal } : {}) });
  }

  stop(unit: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.change(['stop'], unit, timeoutMs, signal);
  }

  start(unit: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.change(['start'], unit, timeoutMs, signal);
  }

  restart(unit: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.change(['restart'], unit, timeoutMs, signal);
  }

  enable(unit: string, now: boolean, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.change(now ? ['enable', '--now'] : ['enable'], unit, timeoutMs, signal);
  }

  /** Cheap liveness probe of the manager (for /readyz). */
  async ping(timeoutMs: number): Promise<void> {
    await this.run({ file: this.binary, args: ['show', '--property=Version', '--value'], timeoutMs, okExitCodes: [0] }).catch(async () => {
      // systemd < 230 has no --value
      await this.run({ file: this.binary, args: ['show', '--property=Version'], timeoutMs });
    });
  }
}
