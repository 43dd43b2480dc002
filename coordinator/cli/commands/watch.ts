import { flagString } from '../../../shared/cli/flag-parser.js';
import { errorMessage } from '../../engine/step-failure.js';
import type { OperationRecord, OperationStatus } from '../../state/operation-record.js';
import type { StateStore } from '../../state/state-store.js';
import { isFinal, recordEvents } from '../../watch/record-events.js';
import { type CommandContext, CommandExit, loadSettings, makeServices } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { silentLogger } from '../services.js';

/** How often watch reads the record (ms) unless the environment says otherwise. */
export const WATCH_POLL_MS = 1000;
/** A store that cannot be read: retried with backoff from the poll interval up to this, … */
const READ_RETRY_MAX_MS = 30_000;
/** … this many times in a row, then watch gives up (the operation itself goes on). */
const READ_RETRY_LIMIT = 8;

/** The exit code `update` gives for an operation that ended this way. */
export function exitCodeForFinalStatus(status: OperationStatus): number {
  switch (status) {
    case 'completed':
      return ExitCode.ok;
    case 'halted':
      return ExitCode.halted;
    default:
      return ExitCode.interrupted;
  }
}

/**
 * `noderoll watch [OPERATION]`: follows the operation by reading its record, never writing: the same
 * events and live view as `update`, until the operation ends, its coordinator is gone, or Ctrl-C.
 */
export async function watchCommand(ctx: CommandContext): Promise<number> {
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  const stop = new AbortController();
  const unsubscribe = ctx.env.onSignal(() => stop.abort());
  try {
    const store = services.store;
    const wanted = flagString(ctx.flags, 'operation');
    const first = await store.load();
    if (!first) throw new CommandExit(ExitCode.conflict, `nothing to watch: no operation is recorded in ${store.location}`);
    if (wanted !== undefined && first.id !== wanted) {
      throw new CommandExit(ExitCode.conflict, `operation ${wanted} is not in ${store.location}: it holds ${first.id} (${first.status}); watch that one with \`noderoll watch ${first.id}\``);
    }
    return await follow(ctx, store, first, stop.signal);
  } finally {
    unsubscribe();
    services.close();
  }
}

async function follow(ctx: CommandContext, store: StateStore, first: OperationRecord, signal: AbortSignal): Promise<number> {
  const pollMs = ctx.env.watchPollMs ?? WATCH_POLL_MS;
  let prev: OperationRecord | undefined;
  let record = first;
  for (;;) {
    for (const e of recordEvents(prev, record)) ctx.reporter.event(e);
    prev = record;
    if (isFinal(record.status)) {
      if (record.status === 'abandoned') ctx.reporter.message(`operation ${record.id} was abandoned (noderoll abort --yes)`);
      return exitCodeForFinalStatus(record.status);
    }
    if (!(await pause(ctx, pollMs, signal))) return stoppedWatching(ctx, record);
    const next = await readRecord(ctx, store, pollMs, signal);
    if (next === undefined) return stoppedWatching(ctx, record);
    if (next.id !== record.id) {
      throw new CommandExit(ExitCode.conflict, `operation ${record.id} is no longer in ${store.location}: it now holds ${next.id} (watch it with \`noderoll watch ${next.id}\`)`);
    }
    if (next.status === 'running' && (await coordinatorGone(store, next))) {
      for (const e of recordEvents(prev, next)) ctx.reporter.event(e);
      ctx.reporter.message(`operation ${next.id} is recorded as running but no coordinator holds ${store.location}'s lock: it crashed or was killed; continue it with \`noderoll resume\``);
      return ExitCode.interrupted;
    }
    record = next;
  }
}

/** Still running per the record but nobody holds the lock: read once more, the run may just have ended. */
async function coordinatorGone(store: StateStore, record: OperationRecord): Promise<boolean> {
  const holder = await store.lockHolder();
  if (holder && holder.liveness !== 'dead') return false;
  const again = await store.load();
  return again?.id === record.id && again.status === 'running';
}

function stoppedWatching(ctx: CommandContext, record: OperationRecord): number {
  ctx.reporter.message(`stopped watching; operation ${record.id} goes on (noderoll watch ${record.id}, noderoll status)`);
  return ExitCode.interrupted;
}

/** Sleeps; false when Ctrl-C ended the watch. */
async function pause(ctx: CommandContext, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await ctx.env.clock.sleep(ms, signal);
    return !signal.aborted;
  } catch {
    return false;
  }
}

/** The record, retrying a failing read with capped backoff; undefined after Ctrl-C. */
async function readRecord(ctx: CommandContext, store: StateStore, pollMs: number, signal: AbortSignal): Promise<OperationRecord | undefined> {
  let delay = pollMs;
  for (let failures = 0; ; failures++) {
    try {
      const r = await store.load();
      if (!r) throw new Error('the operation record disappeared');
      return r;
    } catch (err) {
      if (failures + 1 >= READ_RETRY_LIMIT) {
        throw new CommandExit(ExitCode.internal, `cannot read ${store.location} (${READ_RETRY_LIMIT} tries): ${errorMessage(err)}; the operation is not affected`);
      }
      ctx.reporter.message(`warning: cannot read ${store.location}: ${errorMessage(err)}; retrying in ${Math.round(delay / 1000)}s`);
      if (!(await pause(ctx, delay, signal))) return undefined;
      delay = Math.min(READ_RETRY_MAX_MS, delay * 2);
    }
  }
}
