import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs/atomic-write.js';
import { FieldError } from '../../shared/validation/field-error.js';
import { validateOperationId } from '../../shared/validation/operation-id.js';
import { isUpdatePhase, validateUpdatePhase, type UpdatePhaseName } from '../../shared/update/update-phase.js';

/**
 * Where the rolling update stands on this node, as the coordinator last said (SetUpdatePhase):
 * `update-phase.json` in the state directory, replaced atomically, so the phase survives the
 * agent's restarts and the node's reboot (the node reboots in the middle of its update). Nothing
 * here changes the host; it only feeds /metrics.
 */

export const UPDATE_PHASE_FILE_NAME = 'update-phase.json';
const FORMAT_VERSION = 1;
/** A step deadline beyond this is a mistake (a day). */
export const UPDATE_PHASE_DEADLINE_MAX_MS = 24 * 3600_000;

export interface UpdatePhaseRecord {
  operationId: string;
  phase: UpdatePhaseName;
  startedUnixMs: number;
  /** 0 = the phase has no deadline. */
  deadlineMs: number;
}

export function validateUpdatePhaseRequest(req: { operationId: unknown; phase: unknown; deadlineMs: unknown }): Omit<UpdatePhaseRecord, 'startedUnixMs'> {
  const operationId = validateOperationId('operation_id', req.operationId);
  const phase = validateUpdatePhase('phase', req.phase);
  const deadlineMs = req.deadlineMs ?? 0;
  if (typeof deadlineMs !== 'number' || !Number.isInteger(deadlineMs) || deadlineMs < 0 || deadlineMs > UPDATE_PHASE_DEADLINE_MAX_MS) {
    throw new FieldError('deadline_ms', `must be a whole number of milliseconds from 0 to ${UPDATE_PHASE_DEADLINE_MAX_MS}`);
  }
  return { operationId, phase, deadlineMs };
}

export class UpdatePhaseStore {
  private chain: Promise<void> = Promise.resolve();
  private current: UpdatePhaseRecord | undefined;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  get file(): string {
    return join(this.dir, UPDATE_PHASE_FILE_NAME);
  }

  /** The phase last recorded; undefined = idle (no update has touched the node). */
  get phase(): UpdatePhaseRecord | undefined {
    return this.current;
  }

  /** Reads the file; a corrupt one is moved aside and reported, and the phase starts as idle. */
  async load(): Promise<{ problem?: string }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const data = JSON.parse(text) as { formatVersion?: unknown; phase?: Partial<UpdatePhaseRecord> };
      const p = data.phase;
      if (data.formatVersion !== FORMAT_VERSION || !p) throw new Error(`unknown format ${String(data.formatVersion)}`);
      if (typeof p.operationId !== 'string' || typeof p.phase !== 'string' || !isUpdatePhase(p.phase) || typeof p.startedUnixMs !== 'number' || typeof p.deadlineMs !== 'number') {
        throw new Error('the phase record is malformed');
      }
      this.current = { operationId: p.operationId, phase: p.phase, startedUnixMs: p.startedUnixMs, deadlineMs: p.deadlineMs };
      return {};
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside);
      return { problem: `${this.file} could not be read (${(err as Error).message}); moved to ${aside}` };
    }
  }

  /**
   * Records a phase (validated first). The same operation and phase again keep their start time,
   * so a retried or resumed coordinator does not reset how long the node has been in it.
   */
  async set(req: { operationId: unknown; phase: unknown; deadlineMs: unknown }): Promise<{ phase: UpdatePhaseRecord; unchanged: boolean }> {
    const v = validateUpdatePhaseRequest(req);
    const prev = this.current;
    if (prev && prev.operationId === v.operationId && prev.phase === v.phase && prev.deadlineMs === v.deadlineMs) return { phase: prev, unchanged: true };
    const next: UpdatePhaseRecord = { ...v, startedUnixMs: prev && prev.operationId === v.operationId && prev.phase === v.phase ? prev.startedUnixMs : this.now() };
    const text = JSON.stringify({ formatVersion: FORMAT_VERSION, phase: next }, null, 1) + '\n';
    const write = this.chain.then(() => writeFileAtomic(this.file, text, 0o600));
    this.chain = write.catch(() => undefined);
    await write;
    this.current = next;
    return { phase: next, unchanged: false };
  }
}
