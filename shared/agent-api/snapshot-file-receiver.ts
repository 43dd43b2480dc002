import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Receives a streamed file (an etcd snapshot) into `destination`: bytes go to a temporary file
 * beside it while their SHA-256 is computed; only when the sender's size and SHA-256 match what
 * arrived is the file synced and renamed into place. Anything else removes the temporary file, so
 * `destination` is either absent or complete.
 */
export class SnapshotFileReceiver {
  private readonly hash = createHash('sha256');
  private received = 0;
  private closed = false;

  private constructor(
    readonly destination: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(destination: string): Promise<SnapshotFileReceiver> {
    const temp = join(dirname(destination), `.${basename(destination)}.${randomBytes(4).toString('hex')}.part`);
    return new SnapshotFileReceiver(destination, temp, await open(temp, 'wx', 0o600));
  }

  get sizeBytes(): number {
    return this.received;
  }

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.received += chunk.length;
    await this.handle.write(chunk);
  }

  /** Checks what arrived against what the sender says it sent; renames into place, or throws and removes it. */
  async complete(expected: { sizeBytes: number; sha256: string }): Promise<{ sizeBytes: number; sha256: string }> {
    const sha256 = this.hash.digest('hex');
    try {
      if (expected.sizeBytes !== this.received) throw new Error(`received ${this.received} bytes but the agent sent ${expected.sizeBytes}`);
      if (expected.sha256 !== sha256) throw new Error(`received bytes hash to sha256 ${sha256} but the agent's sha256 is ${expected.sha256 || '(none)'}`);
      await this.handle.sync();
      await this.close();
      await rename(this.temp, this.destination);
      return { sizeBytes: this.received, sha256 };
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  /** Removes the temporary file (a failed or cut stream). */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
