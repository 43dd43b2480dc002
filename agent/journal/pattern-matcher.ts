import { Worker } from 'node:worker_threads';

/**
 * Include/exclude patterns matched in a worker thread, never on the agent's event loop: V8 cannot
 * interrupt a regular expression that backtracks, but it can terminate a whole thread. The scan
 * hands over batches of messages, one at a time, and stops the thread (close()) when its time is
 * up, whatever the pattern is doing.
 */

export interface PatternWorkerData {
  include: { source: string; flags: string }[];
  exclude: { source: string; flags: string }[];
  /** Int32Array: [0] list being tried (0 include, 1 exclude), [1] its index, [2] message length. */
  progress: SharedArrayBuffer;
}

/** What the worker was doing: the pattern that was running, on how long a message, for how long. */
export interface MatchingInProgress {
  field: string;
  pattern: string;
  messageChars: number;
  batchMs: number;
}

const WORKER_URL = new URL('./pattern-worker.js', import.meta.url);
/**
 * The bundled code of pattern-worker.js, set by the package builder (packaging/agent-bundle.ts, an
 * esbuild define): the self-contained agent has no worker file to start.
 */
declare const NODEROLL_EMBEDDED_PATTERN_WORKER: string | undefined;

export class PatternMatcher {
  private readonly worker: Worker;
  private readonly progress = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private batch: { sentAt: number; resolve: (v: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly include: readonly RegExp[],
    private readonly exclude: readonly RegExp[],
  ) {
    if (include.length === 0) this.progress[0] = 1;
    const data: PatternWorkerData = {
      include: include.map((r) => ({ source: r.source, flags: r.flags })),
      exclude: exclude.map((r) => ({ source: r.source, flags: r.flags })),
      progress: this.progress.buffer as SharedArrayBuffer,
    };
    // Batches are capped by the reader (256 entries, about 1 MiB); a thread that needs far more is stopped.
    const options = { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } };
    this.worker =
      typeof NODEROLL_EMBEDDED_PATTERN_WORKER === 'string' ? new Worker(NODEROLL_EMBEDDED_PATTERN_WORKER, { ...options, eval: true }) : new Worker(WORKER_URL, options);
    this.worker.on('message', (verdicts: Uint8Array) => {
      const b = this.batch;
      this.batch = undefined;
      b?.resolve(verdicts);
    });
    this.worker.on('error', (err) => this.fail(new Error(`pattern matching failed: ${err.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`pattern matching stopped (worker exit code ${code})`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const b = this.batch;
    this.batch = undefined;
    b?.reject(this.failure);
  }

  /** One byte per message, 1 when selected. One batch at a time. */
  select(messages: string[]): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.batch) return Promise.reject(new Error('a batch is already being matched'));
    return new Promise((resolve, reject) => {
      this.batch = { sentAt: Date.now(), resolve, reject };
      this.worker.postMessage(messages);
    });
  }

  /** The batch being matched now, if any. */
  inProgress(now = Date.now()): MatchingInProgress | undefined {
    if (!this.batch) return undefined;
    const list = Atomics.load(this.progress, 0) === 0 ? 'include' : 'exclude';
    const index = Atomics.load(this.progress, 1);
    const patterns = list === 'include' ? this.include : this.exclude;
    return { field: `${list}_patterns[${index}]`, pattern: patterns[index]?.source ?? '', messageChars: Atomics.load(this.progress, 2), batchMs: now - this.batch.sentAt };
  }

  /** Stops the thread, mid-match if need be; a batch in progress is rejected. */
  async close(): Promise<void> {
    this.failure ??= new Error('pattern matching stopped');
    await this.worker.terminate();
    this.fail(this.failure);
  }
}
