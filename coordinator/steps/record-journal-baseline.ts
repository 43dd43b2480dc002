import type { StepContext, StepExecutor } from './step-context.js';
import { callOptions } from './step-context.js';
import { journalSignature } from './journal-signature.js';

/**
 * §3.3 needs a "before": the error signatures of the node's current boot, taken before it is touched.
 * Read newest first: on a node up for months the boot holds more errors than one scan returns, and
 * the ones that must be in the baseline are the recent ones (they recur after the reboot).
 */
export const recordJournalBaseline: StepExecutor = {
  name: 'recordJournalBaseline',
  async alreadyDone(ctx: StepContext) {
    return ctx.node.facts.journalBaseline ? `baseline of ${ctx.node.facts.journalBaseline.length} error signatures already recorded` : undefined;
  },
  async run(ctx: StepContext) {
    const identity = await ctx.agent.identity(callOptions(ctx));
    const scan = await ctx.agent.scanJournal(
      { start: { kind: 'boot', bootId: identity.bootId }, maxPriority: 3, maxEntries: ctx.config.journal.maxEntries, newest: true },
      callOptions(ctx),
    );
    const signatures = [...new Set(scan.entries.map(journalSignature))];
    ctx.node.facts.journalBaseline = signatures;
    ctx.node.facts.journalBaselineTruncated = scan.truncated;
    if (ctx.node.facts.versionBefore === undefined) {
      const version = identity.packages[identity.updatePackage];
      if (version !== undefined) ctx.node.facts.versionBefore = version;
    }
    return `${scan.entries.length} error entries in boot ${identity.bootId}, ${signatures.length} distinct${scan.truncated ? ' (truncated: the newest kept)' : ''}`;
  },
};
