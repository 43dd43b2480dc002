import { escapeControlCharacters } from '../../shared/text/control-characters.js';
import { notYet, ready, waitFor, WaitAbortedError, WaitTimeoutError } from '../../shared/time/wait-for.js';
import { globMatches } from '../../shared/validation/glob.js';
import type { UnitChange } from '../engine/events.js';
import { StepFailure, StepInterrupted } from '../engine/step-failure.js';
import type { PlanetCheck, UnitState } from '../ports/node-agent.js';
import { profileUnits, unitStates } from './profile-unit-steps.js';
import { describeJournalEntry, findNewJournalErrors } from './journal-signature.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions } from './step-context.js';
import { describeUnit, isEnabled, isRunning, unitStateText } from './unit-states.js';

export interface FailedUnitsVerdict {
  known: string[];
  ignored: string[];
  new: string[];
}

/** Failed units after the reboot: known (failed before the update too), ignored (config globs), or new. */
export function classifyFailedUnits(failed: readonly string[], baseline: readonly string[] | undefined, ignore: readonly string[]): FailedUnitsVerdict {
  const verdict: FailedUnitsVerdict = { known: [], ignored: [], new: [] };
  for (const unit of [...new Set(failed)].sort()) {
    if (baseline?.includes(unit)) verdict.known.push(unit);
    else if (ignore.some((glob) => globMatches(glob, unit))) verdict.ignored.push(unit);
    else verdict.new.push(unit);
  }
  return verdict;
}

/** §3.1: `systemctl status --failed` lists no unit that was not failed before the update (or is ignored). */
async function checkNoNewFailedUnits(ctx: StepContext): Promise<string> {
  const failed = await ctx.agent.failedUnits(callOptions(ctx));
  const baseline = ctx.node.facts.failedUnitsBaseline;
  const verdict = classifyFailedUnits(
    failed.map((u) => u.name),
    baseline,
    ctx.config.postChecks.failedUnits.ignore,
  );
  ctx.node.facts.failedUnitsAfterReboot = verdict;
  ctx.finding({ type: 'failed-units', when: 'after-reboot', failed: [...verdict.known, ...verdict.ignored, ...verdict.new].sort(), ...verdict });
  const reported = [
    ...(verdict.known.length > 0 ? [`known from before the update: ${verdict.known.join(', ')}`] : []),
    ...(verdict.ignored.length > 0 ? [`ignored: ${verdict.ignored.join(', ')}`] : []),
  ];
  if (verdict.new.length > 0) {
    const newUnits = failed.filter((u) => verdict.new.includes(u.name));
    throw new StepFailure(`failed units on ${ctx.node.name} after the reboot: ${verdict.new.join(', ')} (not failed before the update)`, [
      ...newUnits.map((u) => `${describeUnit(u)}${u.description ? ` — ${escapeControlCharacters(u.description)}` : ''}`),
      ...reported,
      ...(baseline ? [] : ['no baseline of failed units was recorded before the update, so every failed unit counts as new']),
      'if a unit is expected to fail, add it to postChecks.failedUnits.ignore in the config',
    ]);
  }
  return `no newly failed units${reported.length > 0 ? ` (${reported.join('; ')})` : ''}`;
}

/** The units the post checks want enabled and running: gravity's by pattern, the other profiles' by name (units.check). */
interface CheckedUnits {
  what: string;
  read(ctx: StepContext): Promise<UnitState[]>;
}

function gravityUnits(ctx: StepContext): CheckedUnits {
  const pattern = ctx.config.planet.unitPattern;
  return { what: 'gravity units', read: (c) => c.agent.listUnits(pattern, callOptions(c)) };
}

function profileCheckedUnits(ctx: StepContext): CheckedUnits {
  const names = profileUnits(ctx).check;
  return { what: `units of profile ${ctx.config.profile}`, read: (c) => unitStates(c, names) };
}

/**
 * §3.2, §4.1-4.2: every gravity unit (profile unit) enabled and loaded/active/running. `enable --now` for
 * those that are not running, and for those that run but are not enabled (they would stay down after the
 * next reboot); what was changed is reported.
 */
async function checkUnitsRunning(ctx: StepContext, deadline: number, checked: CheckedUnits): Promise<string> {
  const { what } = checked;
  const units = await checked.read(ctx);
  if (ctx.config.profile === 'gravity' && units.length === 0) throw new StepFailure(`no units match ${ctx.config.planet.unitPattern} on ${ctx.node.name} after the reboot`);
  if (units.length === 0) return `no ${what} to check (units.check is empty)`;
  const absent = units.filter((u) => u.loadState === 'not-found');
  if (absent.length > 0) throw new StepFailure(`${absent.map((u) => u.name).join(', ')} (units.check) not found on ${ctx.node.name}`, ['list only units this node has in units.check']);
  const toChange = units.filter((u) => (!isRunning(u) && u.activeState !== 'activating') || !isEnabled(u));
  const changes: UnitChange[] = [];
  for (const u of toChange) {
    const action = isRunning(u) || u.activeState === 'activating' ? 'enable' : 'enable --now';
    ctx.progress(`${action} ${u.name} (was ${describeUnit(u)})`);
    // `enable --now` of a running unit only enables it: one agent operation for both cases.
    await ctx.agent.enableUnitNow(u.name, { operationId: actionId(ctx, `enable-${u.name}`), timeoutMs: ctx.config.agents.callTimeoutMs }, callOptions(ctx));
    changes.push({ unit: u.name, action, before: unitStateText(u) });
  }
  if (changes.length > 0) {
    ctx.node.facts.unitsChanged = changes;
    ctx.finding({ type: 'units-changed', changes });
  }
  const names = units.map((u) => u.name);
  try {
    await waitFor(
      { what: `${what} on ${ctx.node.name} to be enabled and loaded/active/running`, timeoutMs: Math.max(0, deadline - ctx.clock.now()), clock: ctx.clock, signal: ctx.signal, initialDelayMs: 500, maxDelayMs: 5000 },
      async () => {
        const now = (await checked.read(ctx)).filter((u) => names.includes(u.name));
        const notYetThere = now.filter((u) => !isRunning(u) || !isEnabled(u));
        const missing = names.filter((n) => !now.some((u) => u.name === n));
        if (notYetThere.length === 0 && missing.length === 0) return ready(true);
        return notYet([...notYetThere.map(describeUnit), ...missing.map((m) => `${m} (gone)`)].join(', '));
      },
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw new StepFailure(`${what} on ${ctx.node.name} are not all enabled and running: ${err.lastObservation ?? ''}`);
    throw err;
  }
  const done = [
    { label: 'enabled --now', action: 'enable --now' },
    { label: 'enabled', action: 'enable' },
  ]
    .map((g) => ({ label: g.label, units: changes.filter((c) => c.action === g.action).map((c) => c.unit) }))
    .filter((g) => g.units.length > 0)
    .map((g) => `${g.label}: ${g.units.join(', ')}`);
  return `${units.length} ${what} enabled and running${done.length > 0 ? ` (${done.join('; ')})` : ''}`;
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
      const gravity = ctx.config.profile === 'gravity';
      const notes = [await checkNoNewFailedUnits(ctx), await checkUnitsRunning(ctx, deadline, gravity ? gravityUnits(ctx) : profileCheckedUnits(ctx)), await checkJournal(ctx)];
      if (gravity) notes.push(await checkPlanet(ctx, deadline));
      return notes.join('; ');
    } catch (err) {
      if (err instanceof WaitAbortedError) throw new StepInterrupted(`stopped during the post checks of ${ctx.node.name}`);
      throw err;
    }
  },
};
