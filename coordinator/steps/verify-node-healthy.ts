import { notYet, ready, waitFor, WaitAbortedError, WaitTimeoutError } from '../../shared/time/wait-for.js';
import { StepFailure, StepInterrupted } from '../engine/step-failure.js';
import type { PlanetCheck, UnitState } from '../ports/node-agent.js';
import { describeJournalEntry, findNewJournalErrors } from './journal-signature.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions } from './step-context.js';

function describeUnit(u: UnitState): string {
  return `${u.name} (${u.loadState}/${u.activeState}/${u.subState})`;
}

function isRunning(u: UnitState): boolean {
  return u.loadState === 'loaded' && u.activeState === 'active' && u.subState === 'running';
}

/** §3.1: `systemctl status --failed` lists nothing. */
async function checkNoFailedUnits(ctx: StepContext): Promise<string> {
  const failed = await ctx.agent.failedUnits(callOptions(ctx));
  if (failed.length > 0) {
    throw new StepFailure(`failed units on ${ctx.node.name} after the reboot: ${failed.map((u) => u.name).join(', ')}`, failed.map((u) => `${describeUnit(u)}${u.description ? ` — ${u.description}` : ''}`));
  }
  return 'no failed units';
}

/** §3.2, §4.1-4.2: every gravity unit loaded/active/running, after `enable --now` of those that are not. */
async function checkGravityUnits(ctx: StepContext, deadline: number): Promise<string> {
  const pattern = ctx.config.planet.unitPattern;
  const units = await ctx.agent.listUnits(pattern, callOptions(ctx));
  if (units.length === 0) throw new StepFailure(`no units match ${pattern} on ${ctx.node.name} after the reboot`);
  const toEnable = units.filter((u) => !isRunning(u) && u.activeState !== 'activating');
  for (const u of toEnable) {
    ctx.progress(`enable --now ${u.name} (was ${u.loadState}/${u.activeState}/${u.subState})`);
    await ctx.agent.enableUnitNow(u.name, { operationId: actionId(ctx, `enable-${u.name}`), timeoutMs: ctx.config.agents.callTimeoutMs }, callOptions(ctx));
  }
  const names = units.map((u) => u.name);
  try {
    await waitFor(
      { what: `gravity units on ${ctx.node.name} to be loaded/active/running`, timeoutMs: Math.max(0, deadline - ctx.clock.now()), clock: ctx.clock, signal: ctx.signal, initialDelayMs: 500, maxDelayMs: 5000 },
      async () => {
        const now = (await ctx.agent.listUnits(pattern, callOptions(ctx))).filter((u) => names.includes(u.name));
        const notRunning = now.filter((u) => !isRunning(u));
        const missing = names.filter((n) => !now.some((u) => u.name === n));
        if (notRunning.length === 0 && missing.length === 0) return ready(true);
        return notYet([...notRunning.map(describeUnit), ...missing.map((m) => `${m} (gone)`)].join(', '));
      },
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw new StepFailure(`gravity units on ${ctx.node.name} are not all running: ${err.lastObservation ?? ''}`);
    throw err;
  }
  return `${units.length} gravity units running${toEnable.length > 0 ? ` (enabled --now: ${toEnable.map((u) => u.name).join(', ')})` : ''}`;
}

/** §3.3: no journal errors in this boot that the boot before the update did not have (ignore list applied). */
async function checkJournal(ctx: StepContext): Promise<string> {
  const identity = await ctx.agent.identity(callOptions(ctx));
  const scan = await ctx.agent.scanJournal({ start: { kind: 'boot', bootId: identity.bootId }, maxPriority: 3, maxEntries: ctx.config.journal.maxEntries }, callOptions(ctx));
  const ignore = ctx.config.journal.ignore.map((p) => new RegExp(p));
  const result = findNewJournalErrors(scan.entries, new Set(ctx.node.facts.journalBaseline ?? []), ignore);
  if (result.entries.length > 0) {
    throw new StepFailure(
      `${result.entries.length} new journal error${result.entries.length === 1 ? '' : 's'} on ${ctx.node.name} since the reboot (first: ${describeJournalEntry(result.entries[0]!)})`,
      [...result.entries.slice(0, 20).map(describeJournalEntry), 'add a pattern to journal.ignore in the config if an error is expected'],
    );
  }
  return `no new journal errors (${scan.entries.length} error entries: ${result.known} known from before, ${result.ignored} ignored${scan.truncated ? '; scan truncated' : ''})`;
}

/** §3.4: the checks inside planet (`gravity enter`) pass; retried while services settle. */
async function checkPlanet(ctx: StepContext, deadline: number): Promise<string> {
  let last: PlanetCheck[] = [];
  try {
    last = await waitFor(
      { what: `planet checks on ${ctx.node.name} to pass`, timeoutMs: Math.max(0, deadline - ctx.clock.now()), clock: ctx.clock, signal: ctx.signal, initialDelayMs: 1000, maxDelayMs: 5000 },
      async () => {
        const checks = await ctx.agent.planetChecks(callOptions(ctx));
        last = checks;
        const failing = checks.filter((c) => !c.passed);
        if (failing.length === 0) return ready(checks);
        ctx.progress(`planet checks failing: ${failing.map((c) => c.name).join(', ')}`);
        return notYet(failing.map((c) => `${c.name}: ${c.detail}`).join('; '));
      },
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) {
      throw new StepFailure(`planet checks on ${ctx.node.name} fail: ${err.lastObservation ?? 'no answer'}`, last.map((c) => `${c.passed ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`));
    }
    throw err;
  }
  return `${last.length} planet checks pass`;
}

/** §3 and §4.1-4.2 on the rebooted node. */
export const verifyNodeHealthy: StepExecutor = {
  name: 'verifyNodeHealthy',
  async run(ctx: StepContext) {
    const deadline = ctx.clock.now() + ctx.config.timeouts.postChecksMs;
    try {
      const notes = [await checkNoFailedUnits(ctx), await checkGravityUnits(ctx, deadline), await checkJournal(ctx), await checkPlanet(ctx, deadline)];
      return notes.join('; ');
    } catch (err) {
      if (err instanceof WaitAbortedError) throw new StepInterrupted(`stopped during the post checks of ${ctx.node.name}`);
      throw err;
    }
  },
};
