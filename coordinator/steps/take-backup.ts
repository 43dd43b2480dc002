import { errorMessage, StepFailure } from '../engine/step-failure.js';
import type { StepContext, StepExecutor } from './step-context.js';

/** Before starting: a verified backup, once per operation. */
export const takeBackup: StepExecutor = {
  name: 'takeBackup',
  async alreadyDone(ctx: StepContext) {
    if (!ctx.config.backup.enabled) return 'backups are disabled in the config (backup.enabled: false)';
    const recorded = ctx.operation.backup;
    if (!recorded || !ctx.backup) return undefined;
    try {
      await ctx.backup.verifyRecordedBackup(recorded, ctx.signal);
      return `backup ${recorded.artifact} taken at ${recorded.takenAt} is still intact`;
    } catch (err) {
      ctx.log.warn({ err }, 'recorded backup no longer verifies; taking a new one');
      ctx.progress(`recorded backup no longer verifies (${errorMessage(err)}); taking a new one`);
      return undefined;
    }
  },
  async run(ctx: StepContext) {
    if (!ctx.backup) throw new StepFailure('no backup command is configured (backup.command)');
    ctx.progress('taking the backup');
    let record;
    try {
      record = await ctx.backup.takeBackup(ctx.operation.id, ctx.signal);
    } catch (err) {
      throw new StepFailure(`backup failed: ${errorMessage(err)}`);
    }
    ctx.recordBackup(record);
    return `${record.artifact} (${record.sizeBytes} bytes, sha256 ${record.sha256.slice(0, 12)}…): ${record.verification}`;
  },
};
