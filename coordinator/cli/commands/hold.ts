import { flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { plainTextProblem } from '../../../shared/validation/plain-text.js';
import { HOLD_ANNOTATION, holdReason } from '../../schedule/hold-rule.js';
import { type CommandContext, CommandExit, loadSettings, makeServices, openLog } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';

/** A hold's reason is shown in plan, events and reports: one short line. */
export const MAX_HOLD_REASON_LENGTH = 256;

export function holdReasonProblem(reason: string): string | undefined {
  if (reason.trim() === '') return 'must say why the node is held (e.g. --reason "disk replacement, ticket OPS-1234")';
  return plainTextProblem(reason, MAX_HOLD_REASON_LENGTH);
}

/** The NODE argument (validated by run-cli) of hold and release. */
function nodeArgument(ctx: CommandContext): string {
  const node = flagString(ctx.flags, 'node');
  if (node === undefined) throw new UsageError('NODE', 'is required: name the Kubernetes node');
  return node;
}

/** Sets (reason) or removes (null) the hold annotation of an existing node; returns the reason it had. */
async function setHold(ctx: CommandContext, node: string, reason: string | null): Promise<string | undefined> {
  const config = await loadSettings(ctx);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    const current = await services.cluster.getNode(node);
    if (!current) throw new CommandExit(ExitCode.usage, `node ${node} does not exist in the cluster (kubectl get nodes lists them)`, 'NODE');
    const before = holdReason(current.annotations);
    if (reason === null && before === undefined) return undefined;
    await services.cluster.annotateNode(node, { [HOLD_ANNOTATION]: reason });
    log.info({ node, reason, before }, reason === null ? 'hold released' : 'hold set');
    return before;
  } finally {
    services.close();
  }
}

/** `noderoll hold NODE --reason …`: no operation starts the node while the annotation stands. */
export async function holdCommand(ctx: CommandContext): Promise<number> {
  const node = nodeArgument(ctx);
  const reason = flagString(ctx.flags, 'reason') ?? '';
  const problem = holdReasonProblem(reason);
  if (problem) throw new UsageError('--reason', problem);
  const before = await setHold(ctx, node, reason);
  ctx.reporter.result('hold', { node, reason, previousReason: before ?? null }, () =>
    `Node ${node} is on hold: ${reason}${before !== undefined && before !== reason ? ` (was: ${before})` : ''}.\nNo noderoll operation starts it until \`noderoll release ${node}\` (a node already in progress finishes).`,
  );
  return ExitCode.ok;
}

/** `noderoll release NODE`: removes the hold; a waiting operation starts the node at its next ask. */
export async function releaseCommand(ctx: CommandContext): Promise<number> {
  const node = nodeArgument(ctx);
  const before = await setHold(ctx, node, null);
  ctx.reporter.result('release', { node, released: before !== undefined, previousReason: before ?? null }, () =>
    before === undefined ? `Node ${node} was not on hold; nothing changed.` : `Node ${node} is released (it was on hold: ${before}).`,
  );
  return ExitCode.ok;
}
