import { notYet, ready, waitFor, WaitAbortedError, WaitTimeoutError } from '../../shared/time/wait-for.js';
import { errorMessage, StepFailure, StepInterrupted } from '../engine/step-failure.js';
import type { KubeNode } from '../ports/cluster.js';
import { AgentUnreachableError } from '../ports/node-agent.js';
import type { PowerCycle } from '../power/power-cycle.js';
import { installModeOf } from '../state/operation-record.js';
import { describeClockSkew } from './clock-skew.js';
import { rebootSkipReason } from './decide-reboot.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions } from './step-context.js';

/** §2.5: reboot through the agent, after writing down the boot ID it must change from. */
export const rebootNode: StepExecutor = {
  name: 'rebootNode',
  skipReason: rebootSkipReason,
  async alreadyDone(ctx: StepContext) {
    const before = ctx.node.facts.bootIdBeforeReboot;
    if (before === undefined) return undefined;
    let bootId: string;
    try {
      bootId = (await ctx.agent.identity(callOptions(ctx))).bootId;
    } catch (err) {
      if (err instanceof AgentUnreachableError) return `the reboot was requested and the agent does not answer yet (${err.reason}); waiting for it`;
      throw err;
    }
    if (bootId !== before) return `the node already rebooted (boot ID ${short(before)} -> ${short(bootId)})`;
    const status = await ctx.agent.operationStatus(actionId(ctx, 'reboot'), callOptions(ctx));
    if (status.state === 'running' || status.state === 'succeeded' || status.state === 'interrupted') return `the agent already accepted reboot operation ${status.operationId}; the node is going down`;
    return undefined;
  },
  async run(ctx: StepContext) {
    const identity = await ctx.agent.identity(callOptions(ctx));
    ctx.node.facts.bootIdBeforeReboot = identity.bootId;
    ctx.node.facts.rebootRequestedAtMs = ctx.clock.now();
    delete ctx.node.facts.bootIdAfterReboot;
    // A crash from here on must know the boot ID to compare with, so that it never reboots twice.
    await ctx.checkpoint();
    try {
      await ctx.agent.reboot({ operationId: actionId(ctx, 'reboot') }, callOptions(ctx));
    } catch (err) {
      // The node may go down before the answer arrives; the wait that follows decides.
      if (!(err instanceof AgentUnreachableError)) throw err;
      ctx.log.warn({ err }, 'agent dropped the connection while asked to reboot; waiting for the new boot');
      return `reboot requested in boot ${short(identity.bootId)} (the agent dropped the connection: ${err.reason})`;
    }
    return `reboot requested in boot ${short(identity.bootId)}`;
  },
};

/** version: of the update package (mode command); undefined for the modes without a target version. */
type RebootWaitResult = { ok: true; bootId: string; version: string | undefined } | { ok: false; reason: string };

/**
 * Whether the Node's status comes from the kubelet of the new boot. Decided only from what the
 * coordinator observes, never by comparing the node's timestamps with the coordinator's clock (a
 * node minutes behind would never look fresh, one minutes ahead always would): the kubelet reports
 * the new boot ID, or, when it reports none, its heartbeat value changed after the new boot was seen.
 */
class KubeletFreshness {
  private heartbeatAtNewBoot: { bootId: string; heartbeat: number | undefined } | undefined;

  /** undefined when fresh, else what is still missing. */
  stale(node: KubeNode, bootId: string): string | undefined {
    if (node.bootId !== undefined) {
      return node.bootId === bootId ? undefined : `Node Ready, but the kubelet still reports boot ID ${short(node.bootId)}, not ${short(bootId)}`;
    }
    if (this.heartbeatAtNewBoot?.bootId !== bootId) {
      this.heartbeatAtNewBoot = { bootId, heartbeat: node.lastHeartbeatMs };
      return 'Node Ready, but the kubelet reports no boot ID: waiting for a heartbeat posted after the new boot was seen';
    }
    if (node.lastHeartbeatMs === undefined || node.lastHeartbeatMs === this.heartbeatAtNewBoot.heartbeat) {
      return `Node Ready, but the kubelet reports no boot ID and its heartbeat has not changed since the new boot was seen (${node.lastHeartbeatMs === undefined ? 'no heartbeat' : new Date(node.lastHeartbeatMs).toISOString()})`;
    }
    return undefined;
  }
}

/** What one wait for the new boot saw: the node back (or back on the wrong version), or the deadline. */
type BootWaitOutcome = RebootWaitResult | { ok: false; timedOut: true; lastObservation: string };

/**
 * Waits for the node to come back: the agent answers with a new boot ID, the Node is Ready as posted
 * by the new boot's kubelet, and the target version runs. One instance per step run, so that a second
 * wait (after a power cycle) keeps what the first learned (clock skew, heartbeat baseline).
 */
class NewBootWatch {
  private readonly freshness = new KubeletFreshness();
  clockNote: string | undefined;
  private lastProgress = '';

  constructor(
    private readonly ctx: StepContext,
    private readonly before: string,
  ) {}

  private progress(message: string): void {
    if (message !== this.lastProgress) this.ctx.progress(message);
    this.lastProgress = message;
  }

  async wait(timeoutMs: number): Promise<BootWaitOutcome> {
    const { ctx, before } = this;
    const name = ctx.node.name;
    const target = ctx.operation.targetVersion;
    try {
      // Polls the agent (one cheap gRPC call) at a short, flat interval: the time from the node serving
      // again to noderoll noticing is at most one interval, however long the reboot took (bench/).
      return await waitFor<RebootWaitResult>(
        { what: `node ${name} to come back from its reboot`, timeoutMs, clock: ctx.clock, signal: ctx.signal, initialDelayMs: 200, maxDelayMs: 250 },
        async () => {
          let identity;
          const sentAtMs = ctx.clock.now();
          try {
            identity = await ctx.agent.identity(callOptions(ctx));
          } catch (err) {
            this.progress(`waiting: agent does not answer (${err instanceof AgentUnreachableError ? err.reason : errorMessage(err)})`);
            return notYet(`agent unreachable: ${err instanceof AgentUnreachableError ? err.reason : errorMessage(err)}`);
          }
          if (this.clockNote === undefined && identity.nodeTimeMs !== undefined) {
            this.clockNote = describeClockSkew({ nodeTimeMs: identity.nodeTimeMs, sentAtMs, receivedAtMs: ctx.clock.now() }) ?? '';
            if (this.clockNote) {
              ctx.log.warn({ node: name, clock: this.clockNote }, 'node clock differs from the coordinator\'s');
              ctx.progress(this.clockNote);
            }
          }
          if (identity.bootId === before) {
            this.progress('waiting: the agent still reports the boot ID from before the reboot');
            return notYet(`agent answers with the boot ID from before the reboot (${short(before)}): not rebooted yet`);
          }
          ctx.node.facts.bootIdAfterReboot = identity.bootId;
          const version = installModeOf(ctx.operation) === 'command' ? identity.packages[identity.updatePackage] : undefined;
          if (installModeOf(ctx.operation) === 'command' && version !== target) {
            return ready<RebootWaitResult>({ ok: false, reason: `node ${name} rebooted (boot ${short(identity.bootId)}) but runs ${identity.updatePackage} ${version ?? '(not installed)'}, not ${target}` });
          }
          const node = await ctx.cluster.getNode(name, ctx.signal);
          if (!node) return notYet(`Node ${name} does not exist in the cluster`);
          if (!node.ready) {
            this.progress(`waiting: new boot ${short(identity.bootId)}, Node not Ready yet (${node.readyStatus})`);
            return notYet(`new boot ID ${short(identity.bootId)}, but Node is not Ready (Ready=${node.readyStatus}${node.readyReason ? `, ${node.readyReason}` : ''})`);
          }
          const stale = this.freshness.stale(node, identity.bootId);
          if (stale !== undefined) {
            this.progress(`waiting: ${stale}`);
            return notYet(stale);
          }
          return ready<RebootWaitResult>({ ok: true, bootId: identity.bootId, version });
        },
      );
    } catch (err) {
      if (err instanceof WaitAbortedError) throw new StepInterrupted(`stopped while waiting for node ${name} to come back`);
      if (err instanceof WaitTimeoutError) return { ok: false, timedOut: true, lastObservation: err.lastObservation ?? 'nothing observed' };
      throw err;
    }
  }
}

/**
 * Until the agent answers with a new boot ID, the Node is Ready as posted by the new boot's kubelet,
 * and the target version runs. With a power cycle configured, a node not back within timeouts.reboot
 * of the reboot request is power-cycled once and waited for again (timeouts.reboot); still not back,
 * or the power cycle failed: the step fails naming the node, its last boot ID and what was tried.
 */
export function waitForRebootStep(powerCycle?: PowerCycle): StepExecutor {
  return {
    name: 'waitForReboot',
    skipReason: rebootSkipReason,
    async run(ctx: StepContext) {
      const before = ctx.node.facts.bootIdBeforeReboot;
      const requestedAtMs = ctx.node.facts.rebootRequestedAtMs;
      if (before === undefined || requestedAtMs === undefined) throw new StepFailure('no reboot of this node is on record to wait for');
      const name = ctx.node.name;
      const timeoutMs = ctx.config.timeouts.rebootMs;
      const watch = new NewBootWatch(ctx, before);
      const clockDetails = (): string[] => (watch.clockNote ? [watch.clockNote] : []);

      // Without a power cycle a resume waits the whole timeout again (the operator may just have powered the
      // node on). With one, the timeout counts from the reboot request, as timeouts.reboot says: a resume long
      // after it checks once and then power-cycles.
      const firstTimeoutMs = powerCycle ? Math.max(0, requestedAtMs + timeoutMs - ctx.clock.now()) : timeoutMs;
      let result = await watch.wait(firstTimeoutMs);
      let cycled: string | undefined;
      if ('timedOut' in result) {
        const notBack = `node ${name} did not come back within ${Math.round(timeoutMs / 1000)}s of the reboot request: ${result.lastObservation}`;
        if (!powerCycle) {
          throw new StepFailure(notBack, [
            'the node may have powered off or hung in firmware/boot: check its console, power it on if needed, then run the resume command (or configure powerCycle to have noderoll try once)',
            `boot ID before the reboot: ${before}`,
            ...clockDetails(),
          ]);
        }
        ctx.progress(`not back within the reboot timeout: power-cycling node ${name}`);
        const attempt = await powerCycle.run({ node: name, agent: ctx.node.agent }, { signal: ctx.signal, output: (line) => ctx.output(line), now: () => ctx.clock.now() });
        (ctx.node.facts.powerCycles ??= []).push(attempt);
        await ctx.checkpoint();
        const tried = [`tried: reboot requested at ${new Date(requestedAtMs).toISOString()}; power cycle at ${attempt.at}: ${attempt.detail}`, ...(attempt.outputTail ? [`power cycle output: ${attempt.outputTail}`] : [])];
        const lastBoot = `last boot ID ${before} (the one before the reboot; no new boot seen)`;
        if (attempt.outcome === 'failed') {
          throw new StepFailure(`${notBack}; the power cycle failed (${attempt.detail}); ${lastBoot}`, [...tried, 'check the node\'s console and its power command, power it on by hand if needed, then run the resume command', ...clockDetails()]);
        }
        cycled = attempt.command;
        result = await watch.wait(timeoutMs);
        if ('timedOut' in result) {
          throw new StepFailure(`node ${name} did not come back after its reboot and a power cycle (${Math.round(timeoutMs / 1000)}s after it): ${result.lastObservation}; ${lastBoot}`, [
            ...tried,
            'the node is still down: check its console, then run the resume command (the power cycle runs once per resume)',
            ...clockDetails(),
          ]);
        }
      }
      if (!result.ok) throw new StepFailure(result.reason, clockDetails());
      if (result.version !== undefined) ctx.node.facts.versionAfter = result.version;
      return `back in boot ${short(result.bootId)}${cycled ? ` after a power cycle (${cycled})` : ''}, Node Ready${result.version !== undefined ? `, ${result.version} installed` : ''}${watch.clockNote ? `; ${watch.clockNote}` : ''}`;
    },
  };
}

/** The wait without a power cycle (the default; configured-executors.ts adds the configured one). */
export const waitForReboot: StepExecutor = waitForRebootStep();

function short(bootId: string): string {
  return bootId.replace(/-/g, '').slice(0, 8);
}
