import { escapeControlCharacters, escapeControlCharactersKeepLines } from '../../shared/text/control-characters.js';
import { haltAfterRollback } from '../recovery/rollback-on-failure.js';
import { formatDuration } from '../../shared/validation/duration.js';
import type { TimedEvent } from '../engine/events.js';

export type OutputFormat = 'text' | 'json';

/** Where a command's output goes: human text, a live view on a terminal, or NDJSON. */
export interface Reporter {
  readonly format: OutputFormat;
  /** An engine event. */
  event(e: TimedEvent): void;
  /** A human message (text) / `{"type":"message"}` (json). */
  message(text: string): void;
  /** A command's result document: printed as text by `renderText`, or as one JSON line. */
  result(type: string, doc: Record<string, unknown>, renderText: () => string): void;
  /** An error that ends the command. */
  error(message: string, exitCode: number, field?: string): void;
  close(): void;
}

export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const MARK = { done: '✓', failed: '✗', running: '▶', pending: '·', skipped: '-', interrupted: '■' } as const;

/**
 * One line per event: for logs, pipes and CI. Node-sourced text (journal messages, unit
 * descriptions, command output) is in events as it came; control characters are escaped here.
 */
export function describeEvent(e: TimedEvent): string[] {
  return describeEventRaw(e).map(escapeControlCharacters);
}

function describeEventRaw(e: TimedEvent): string[] {
  switch (e.type) {
    case 'operation-started':
      return [`operation ${e.operationId}: ${e.resumed ? 'resuming' : 'updating'} ${e.nodes.length} node(s) to ${e.targetVersion}: ${e.nodes.join(', ')}`];
    case 'node-started':
      return [`[${e.node}] ${e.resumed ? 'resuming' : 'starting'} (${e.role})`];
    case 'step-started':
      return [`[${e.node}] ${e.step}: ${e.title}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`];
    case 'step-progress':
      return [`[${e.node}] ${e.step}: ${e.message}`];
    case 'step-output':
      return [`[${e.node}]   | ${e.line}`];
    case 'step-completed':
      return [`[${e.node}] ${MARK.done} ${e.step} (${formatDuration(e.durationMs)})${e.note ? `: ${e.note}` : ''}`];
    case 'step-failed':
      return [`[${e.node}] ${MARK.failed} ${e.step} (${formatDuration(e.durationMs)}): ${e.reason}`, ...e.details.map((d) => `[${e.node}]     ${d}`)];
    case 'gate-report': {
      const failing = e.results.filter((r) => !r.passed);
      if (e.passed) return [`gates ${e.purpose}: pass${e.consecutivePasses !== undefined ? ` (${e.consecutivePasses} in a row)` : ''}`];
      return [`gates ${e.purpose}: FAIL`, ...failing.flatMap((r) => r.problems.slice(0, 5).map((p) => `    ${r.gate}: ${p}`))];
    }
    case 'failed-units':
      return describeFailedUnits(e);
    case 'units-changed':
      return e.changes.map((c) => `[${e.node}] ${e.step}: ${c.action} ${c.unit} (was ${c.before})`);
    case 'node-completed':
      return [`[${e.node}] updated in ${formatDuration(e.durationMs)}`];
    case 'node-rollback-started':
      return [`[${e.node}] ROLLBACK (${e.trigger}) to ${e.toVersion}${e.fromVersion ? ` from ${e.fromVersion}` : ''}: ${e.reason}`];
    case 'node-rollback-completed':
      return [`[${e.node}] rolled back to ${e.toVersion} in ${formatDuration(e.durationMs)}: healthy and uncordoned`];
    case 'node-rollback-failed':
      return [`[${e.node}] ROLLBACK to ${e.toVersion} FAILED: ${e.reason}`, ...e.details.map((d) => `    ${d}`)];
    case 'node-waiting':
      return [`[${e.node}] waiting (${e.rule}): ${e.reason}; asking again at ${e.recheckAt}`];
    case 'node-skipped':
      return [`[${e.node}] skipped (${e.rule}): ${e.reason}`];
    case 'warning':
      return [`warning${e.node ? ` [${e.node}]` : ''}: ${e.message}`];
    case 'canary-soaked':
      return [`canary of ${e.scope} (${e.nodes.join(', ')}): the gates passed ${e.passes} time(s) in a row over the canary soak`];
    case 'canary-confirmed':
      return [`canary of ${e.scope} (${e.nodes.join(', ')}): confirmed, the rest follows`];
    case 'operation-waiting-for-confirmation':
      return [`WAITING FOR CONFIRMATION: ${e.reason}`, 'Every node is in service. Check the canary, then continue with:', `    ${e.resumeCommand}`];
    case 'stop-requested':
      return [`stop requested (${e.mode === 'now' ? 'at the next step boundary' : 'at the next safe point'}): ${e.reason}`];
    case 'operation-halted':
      return [
        `HALTED${e.node ? ` at node ${e.node}` : ''}${e.step ? `, step ${e.step}` : ''}: ${e.reason}`,
        ...e.details.map((d) => `    ${d}`),
        ...(haltAfterRollback(e.node, e.reason)
          ? [`Node ${e.node} is back in service on its old version. Replace the broken release, then resume (it updates ${e.node} from the start):`]
          : e.node
            ? [`Node ${e.node} is left as it is (cordoned once drained). Fix the cause, then resume:`]
            : ['Fix the cause, then resume:']),
        `    ${e.resumeCommand}`,
      ];
    case 'operation-waiting':
      return [
        `WAITING FOR WINDOW before node ${e.node}: ${e.reason}`,
        ...e.details.map((d) => `    ${d}`),
        `Every node is in service. Continue${e.resumeAt ? ` from ${e.resumeAt}` : ''} with (or now with --wait-for-window):`,
        `    ${e.resumeCommand}`,
      ];
    case 'operation-interrupted':
      return [`STOPPED${e.node ? ` at node ${e.node}` : ''}${e.step ? ` before/at step ${e.step}` : ''}: ${e.reason}`, `Resume with:`, `    ${e.resumeCommand}`];
    case 'operation-completed':
      return [
        `operation ${e.operationId} completed: ${e.nodes} node(s) updated in ${formatDuration(e.durationMs)} ` +
          `(waiting on the cluster ${formatDuration(e.waitingMs)}, coordinator overhead ${formatDuration(e.overheadMs)})`,
      ];
  }
}

function describeFailedUnits(e: Extract<TimedEvent, { type: 'failed-units' }>): string[] {
  if (e.when === 'before-update') {
    return [`[${e.node}] ${e.step}: ${e.failed.length === 0 ? 'no failed units before the update' : `already failed before the update (known, not fatal): ${e.failed.join(', ')}`}`];
  }
  const parts = [
    e.new.length > 0 ? `NEW: ${e.new.join(', ')}` : 'none new',
    ...(e.known.length > 0 ? [`known from before the update: ${e.known.join(', ')}`] : []),
    ...(e.ignored.length > 0 ? [`ignored (postChecks.failedUnits.ignore): ${e.ignored.join(', ')}`] : []),
  ];
  return [`[${e.node}] ${e.step}: failed units after the reboot: ${parts.join('; ')}`];
}

/** Plain text, one line per event. */
export class LineReporter implements Reporter {
  readonly format = 'text' as const;
  private readonly lastProgress = new Map<string, string>();
  constructor(
    private readonly out: OutputStream,
    private readonly err: OutputStream,
  ) {}
  event(e: TimedEvent): void {
    if (e.type === 'step-progress') {
      // A wait reports the same observation many times: print it when it changes.
      if (this.lastProgress.get(e.node) === e.message) return;
      this.lastProgress.set(e.node, e.message);
    } else if (e.type === 'step-started' || e.type === 'step-completed') this.lastProgress.delete(e.node);
    const time = e.time.slice(11, 19);
    for (const line of describeEvent(e)) this.out.write(`${time} ${line}\n`);
  }
  message(text: string): void {
    const safe = escapeControlCharactersKeepLines(text);
    this.out.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }
  result(_type: string, _doc: Record<string, unknown>, renderText: () => string): void {
    this.message(renderText());
  }
  error(message: string): void {
    this.err.write(`error: ${escapeControlCharacters(message)}\n`);
  }
  close(): void {}
}

/** NDJSON: every event and result as one JSON object per line on stdout; errors also as a line. */
export class JsonReporter implements Reporter {
  readonly format = 'json' as const;
  constructor(
    private readonly out: OutputStream,
    private readonly err: OutputStream,
  ) {}
  private line(doc: object): void {
    this.out.write(JSON.stringify(doc) + '\n');
  }
  event(e: TimedEvent): void {
    this.line(e);
  }
  message(text: string): void {
    this.line({ type: 'message', time: new Date().toISOString(), message: text });
  }
  result(type: string, doc: Record<string, unknown>): void {
    this.line({ type, time: new Date().toISOString(), ...doc });
  }
  error(message: string, exitCode: number, field?: string): void {
    this.line({ type: 'error', time: new Date().toISOString(), exitCode, ...(field ? { field } : {}), message });
    this.err.write(`error: ${escapeControlCharacters(message)}\n`);
  }
  close(): void {}
}

interface NodeLine {
  node: string;
  role: string;
  state: keyof typeof MARK;
  step?: string;
  detail?: string;
  nodeStartedMs?: number;
  stepStartedMs?: number;
  finishedMs?: number;
}

/**
 * A live per-node view for a terminal: one line per node with its current step and elapsed time,
 * redrawn in place; step results, output and warnings scroll above it.
 */
export class ProgressView implements Reporter {
  readonly format = 'text' as const;
  private readonly nodes = new Map<string, NodeLine>();
  private header = '';
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly out: OutputStream,
    private readonly err: OutputStream,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.redraw(), 1000);
    this.timer.unref();
  }

  private clearView(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private width(): number {
    return Math.max(40, (this.out.columns ?? 100) - 1);
  }

  private fit(line: string): string {
    const w = this.width();
    return line.length > w ? line.slice(0, w - 1) + '…' : line;
  }

  private redraw(): void {
    if (this.nodes.size === 0) return;
    this.clearView();
    const lines = [this.header];
    const now = this.now();
    for (const n of this.nodes.values()) {
      const elapsed = n.nodeStartedMs ? formatDuration((n.finishedMs ?? now) - n.nodeStartedMs) : '';
      const stepElapsed = n.state === 'running' && n.stepStartedMs ? ` (step ${formatDuration(now - n.stepStartedMs)})` : '';
      const what = n.state === 'running' ? `${n.step ?? ''}${n.detail ? `: ${n.detail}` : ''}` : n.state === 'done' ? 'updated' : n.state === 'failed' ? `failed at ${n.step ?? '?'}` : n.state;
      lines.push(this.fit(`  ${MARK[n.state]} ${n.node.padEnd(18)} ${n.role.padEnd(6)} ${elapsed.padStart(7)}${stepElapsed}  ${escapeControlCharacters(what)}`));
    }
    this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  private scroll(lines: string[]): void {
    this.clearView();
    for (const l of lines) this.out.write(l + '\n');
    this.redraw();
  }

  event(e: TimedEvent): void {
    const at = Date.parse(e.time);
    switch (e.type) {
      case 'operation-started':
        this.header = `noderoll ${e.operationId} → ${e.targetVersion}`;
        for (const n of e.nodes) if (!this.nodes.has(n)) this.nodes.set(n, { node: n, role: '', state: 'pending' });
        this.redraw();
        return;
      case 'node-started': {
        const line = this.nodes.get(e.node) ?? { node: e.node, role: e.role, state: 'pending' };
        Object.assign(line, { role: e.role, state: 'running', nodeStartedMs: at });
        this.nodes.set(e.node, line);
        this.redraw();
        return;
      }
      case 'step-started': {
        const line = this.nodes.get(e.node);
        if (line) Object.assign(line, { step: e.step, detail: undefined, stepStartedMs: at, state: 'running' });
        this.redraw();
        return;
      }
      case 'step-progress': {
        const line = this.nodes.get(e.node);
        if (line) line.detail = e.message;
        this.redraw();
        return;
      }
      case 'step-failed': {
        const line = this.nodes.get(e.node);
        if (line) Object.assign(line, { state: 'failed', finishedMs: at });
        break;
      }
      case 'node-completed': {
        const line = this.nodes.get(e.node);
        if (line) Object.assign(line, { state: 'done', finishedMs: at, step: undefined, detail: undefined });
        break;
      }
      case 'node-waiting': {
        // sent back to pending (its drain blocked while other nodes are in flight) or held by a rule
        const line = this.nodes.get(e.node);
        if (line) Object.assign(line, { state: 'pending', step: undefined, detail: undefined });
        break;
      }
      case 'operation-interrupted':
      case 'operation-halted':
      case 'operation-waiting-for-confirmation':
        // every node still shown running (the one named, and siblings stopped at a safe point) stops here
        for (const line of this.nodes.values()) if (line.state === 'running') Object.assign(line, { state: 'interrupted', finishedMs: at });
        break;
      case 'gate-report':
        if (e.passed) {
          const line = e.node ? this.nodes.get(e.node) : undefined;
          if (line && e.consecutivePasses !== undefined) line.detail = `gates pass (${e.consecutivePasses} in a row)`;
          this.redraw();
          return;
        }
        break;
      default:
        break;
    }
    this.scroll(describeEvent(e).map((l) => `${e.time.slice(11, 19)} ${l}`));
  }

  message(text: string): void {
    this.scroll(text.replace(/\n$/, '').split('\n').map(escapeControlCharacters));
  }

  result(_type: string, _doc: Record<string, unknown>, renderText: () => string): void {
    this.message(renderText());
  }

  error(message: string): void {
    this.clearView();
    this.err.write(`error: ${escapeControlCharacters(message)}\n`);
    this.redraw();
  }

  close(): void {
    clearInterval(this.timer);
    this.redraw();
  }
}
