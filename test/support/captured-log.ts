import { Writable } from 'node:stream';

/** Log lines of an in-process agent, parsed (pino JSON). */
export class CapturedLog extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  }
}
