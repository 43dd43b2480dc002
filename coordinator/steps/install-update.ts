import { StepFailure } from '../engine/step-failure.js';
import { AgentUnreachableError, type AgentOperationStatus } from '../ports/node-agent.js';
import { recordRollbackPoint } from '../recovery/rollback-point.js';
import { installModeOf, type InstallAttemptRecord } from '../state/operation-record.js';
import { describePackageChanges, pinsNotInstalled } from './package-changes.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';

/**
 * §2.5: install the update through the agent, output streamed. Each attempt has its own agent
 * operation ID (the agent runs an ID once, so a repeated ID can only replay its outcome). On resume
 * the step reads reality: the last attempt succeeded, or the package is at the target → done; the
 * last attempt is still running or never reached the agent → follow or send that same attempt;
 * it failed or was interrupted (agent restart, power loss) → a new attempt, up to install.maxAttempts.
 */

/** Attempt 1 keeps the ID of operations recorded before attempts existed. */
function attemptOperationId(ctx: StepContext, attempt: number): string {
  return actionId(ctx, attempt === 1 ? 'install' : `install-${attempt}`);
}

function attempts(ctx: StepContext): InstallAttemptRecord[] {
  return (ctx.node.facts.installAttempts ??= []);
}

function describeAttempt(a: InstallAttemptRecord): string {
  return `attempt ${a.attempt} (agent operation ${a.agentOperationId}, started ${a.startedAt}): ${a.outcome ?? 'outcome unknown'}${a.detail ? ` — ${a.detail}` : ''}`;
}

/** What the agent recorded for the last attempt, written into the attempt's record. */
async function settleLastAttempt(ctx: StepContext): Promise<{ last: InstallAttemptRecord; status: AgentOperationStatus }> {
  const list = attempts(ctx);
  let last = list.at(-1);
  if (!last) {
    last = { attempt: 1, agentOperationId: attemptOperationId(ctx, 1), startedAt: new Date(ctx.clock.now()).toISOString() };
    list.push(last);
  }
  const status = await ctx.agent.operationStatus(last.agentOperationId, callOptions(ctx));
  if (status.state === 'succeeded' || status.state === 'failed' || status.state === 'interrupted') {
    last.outcome = status.state;
    if (status.detail) last.detail = status.detail;
  }
  return { last, status };
}

async function installedVersion(ctx: StepContext): Promise<{ pkg: string; version: string | undefined }> {
  const identity = await ctx.agent.identity(callOptions(ctx));
  return { pkg: identity.updatePackage, version: identity.packages[identity.updatePackage] };
}

/**
 * After an attempt that failed or was interrupted, whether the install had finished anyway: mode command,
 * the package at the target; mode packages, every package at its version; upgrade-all has no target to
 * read, so only a succeeded agent operation counts.
 */
async function finishedDespite(ctx: StepContext, last: InstallAttemptRecord, state: string): Promise<string | undefined> {
  const mode = installModeOf(ctx.operation);
  const ended = `install attempt ${last.attempt} (operation ${last.agentOperationId}) ended ${state}`;
  if (mode === 'command') {
    const { pkg, version } = await installedVersion(ctx);
    return version === ctx.operation.targetVersion ? `${ended}, but ${pkg} is installed at ${version}, the target: the install had finished` : undefined;
  }
  if (mode === 'packages') {
    const pins = ctx.operation.install?.packages ?? [];
    const identity = await ctx.agent.identity(callOptions(ctx));
    return pinsNotInstalled(pins, identity.packages).length === 0 ? `${ended}, but every package is at its version (${pins.map((p) => `${p.name} ${p.version}`).join(', ')}): the install had finished` : undefined;
  }
  return undefined;
}

export const installUpdate: StepExecutor = {
  name: 'installUpdate',
  async alreadyDone(ctx: StepContext) {
    if (rebootRequested(ctx)) return 'the reboot was already requested, so the install finished before it';
    const hadAttempts = (ctx.node.facts.installAttempts?.length ?? 0) > 0;
    const { last, status } = await settleLastAttempt(ctx);
    if (status.state === 'succeeded') return `the agent already ran install operation ${status.operationId} successfully`;
    if (status.state !== 'failed' && status.state !== 'interrupted') {
      // Nothing ran yet: keep the attempt list empty until an attempt is really sent.
      if (!hadAttempts && status.state === 'unknown') ctx.node.facts.installAttempts = [];
      return undefined;
    }
    return finishedDespite(ctx, last, status.state);
  },
  async run(ctx: StepContext) {
    const target = ctx.operation.targetVersion;
    const mode = installModeOf(ctx.operation);
    const pins = ctx.operation.install?.packages ?? [];
    const max = ctx.config.install.maxAttempts;
    const list = attempts(ctx);
    let current: InstallAttemptRecord | undefined;
    if (list.length > 0) {
      const { last, status } = await settleLastAttempt(ctx);
      // running: follow it; unknown: the agent never received it, so sending that ID runs it once.
      if (status.state === 'running' || status.state === 'unknown' || status.state === 'succeeded') current = last;
      else if (list.length >= max) {
        throw new StepFailure(
          `install of ${target} on ${ctx.node.name} did not succeed in ${list.length} attempt(s) (install.maxAttempts: ${max}); the last one ended ${status.state}. Check the node's package state, then raise install.maxAttempts and resume`,
          list.map(describeAttempt),
        );
      }
    }
    const identity = await ctx.agent.identity(callOptions(ctx));
    const before = identity.packages[identity.updatePackage];
    if (ctx.node.facts.versionBefore === undefined && before !== undefined) ctx.node.facts.versionBefore = before;
    if (list.length === 0 && mode === 'command') recordRollbackPoint(ctx, identity);
    if (!current) {
      const previous = list.at(-1);
      current = { attempt: list.length + 1, agentOperationId: attemptOperationId(ctx, list.length + 1), startedAt: new Date(ctx.clock.now()).toISOString() };
      list.push(current);
      if (previous) {
        ctx.progress(
          `install attempt ${current.attempt} of ${max}: attempt ${previous.attempt} (operation ${previous.agentOperationId}) ended ${previous.outcome ?? 'without a known outcome'}${previous.detail ? ` (${previous.detail})` : ''}, and ${identity.updatePackage} is at ${before ?? '(not installed)'}, not ${target}: installing again as operation ${current.agentOperationId}`,
        );
      }
      // The attempt's ID must be on disk before the agent can act on it.
      await ctx.checkpoint();
    }
    const operationId = current.agentOperationId;
    const what = mode === 'command' ? `${identity.updatePackage} ${target}${before ? ` (installed: ${before})` : ''}` : target;
    ctx.progress(`installing ${what}, attempt ${current.attempt} of ${max}`);
    let outcome;
    try {
      outcome = await ctx.agent.install(
        { version: mode === 'command' ? target : '', operationId, ...(mode !== 'command' ? { mode } : {}), ...(mode === 'packages' ? { packages: pins } : {}) },
        (l) => ctx.output(l.stream === 'stderr' ? `[stderr] ${l.line}` : l.line),
        callOptions(ctx, ctx.config.timeouts.installMs),
      );
    } catch (err) {
      if (!(err instanceof AgentUnreachableError)) throw err;
      throw new StepFailure(
        `lost the agent of ${ctx.node.name} during install attempt ${current.attempt} of ${max} (operation ${operationId}): ${err.reason}`,
        [...list.map(describeAttempt), 'the agent may have restarted or the node lost power; `noderoll resume` reads what the agent recorded and the installed version: at the target the step is done, otherwise it tries again'],
      );
    }
    if (!outcome.succeeded) {
      const state = await ctx.agent.operationStatus(operationId, callOptions(ctx)).catch(() => undefined);
      current.outcome = state?.state === 'interrupted' ? 'interrupted' : 'failed';
      if (outcome.detail) current.detail = outcome.detail;
      const left = max - current.attempt;
      throw new StepFailure(
        `install of ${mode === 'command' ? `${identity.updatePackage} ${target}` : target} failed on ${ctx.node.name}${outcome.exitCode !== undefined ? ` (exit code ${outcome.exitCode})` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`,
        [...list.map(describeAttempt), left > 0 ? `resume tries again (${left} attempt(s) left of install.maxAttempts ${max})` : `no attempt left (install.maxAttempts ${max})`],
      );
    }
    if (outcome.packageChanges) ctx.node.facts.packageChanges = outcome.packageChanges;
    if (outcome.rebootAdvice) ctx.node.facts.rebootAdvice = outcome.rebootAdvice;
    const changes = describePackageChanges(outcome.packageChanges);
    if (outcome.packageChanges) ctx.progress(`package changes: ${changes}`);
    if (mode !== 'command') {
      const missing = mode === 'packages' ? pinsNotInstalled(pins, { ...(await ctx.agent.identity(callOptions(ctx))).packages, ...afterVersions(outcome.packageChanges) }, false) : [];
      if (missing.length > 0) {
        current.outcome = 'failed';
        current.detail = `not at the requested version: ${missing.join(', ')}`;
        throw new StepFailure(`after the install on ${ctx.node.name} not every package is at its version: ${missing.join(', ')}`, list.map(describeAttempt));
      }
      current.outcome = 'succeeded';
      return `${target}: ${changes}${current.attempt > 1 ? `, attempt ${current.attempt} of ${max}` : ''}${outcome.replayed ? " (answered from the agent's record of this operation)" : ''}`;
    }
    if (outcome.installedVersion !== undefined && outcome.installedVersion !== target) {
      current.outcome = 'failed';
      current.detail = `${identity.updatePackage} is at ${outcome.installedVersion} afterwards`;
      throw new StepFailure(`after the install ${identity.updatePackage} is at ${outcome.installedVersion}, not ${target}`, list.map(describeAttempt));
    }
    current.outcome = 'succeeded';
    const attemptNote = current.attempt > 1 ? `, attempt ${current.attempt} of ${max}` : '';
    return `${identity.updatePackage} ${before ?? '(none)'} -> ${target}${attemptNote}${outcome.packageChanges ? `; package changes: ${changes}` : ''}${outcome.replayed ? ' (answered from the agent\'s record of this operation)' : ''}`;
  },
};

function afterVersions(changes: readonly { name: string; after: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((changes ?? []).filter((c) => c.after !== '').map((c) => [c.name, c.after]));
}
