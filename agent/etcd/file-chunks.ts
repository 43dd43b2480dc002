import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Largest chunk of a streamed file (the proto's limit for EtcdSnapshotEvent.chunk). */
export const MAX_CHUNK_BYTES = 64 * 1024;

/**
 * Reads `file` in chunks of at most 64 KiB and hands each to `send`, waiting whenever `send` says
 * the consumer is full; returns the bytes sent and their SHA-256. Stops with an error when `signal` aborts.
 */
export async function sendFileChunks(file: string, send: (chunk: Buffer) => Promise<void>, signal?: AbortSignal): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const stream = createReadStream(file, { highWaterMark: MAX_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new Error(`sending ${file} was cancelled after ${sizeBytes} bytes`);
      hash.update(chunk);
      sizeBytes += chunk.length;
      await send(chunk);
    }
  } finally {
    stream.destroy();
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** SHA-256 and size of a file, read in the same chunks. */
export function fileDigest(file: string): Promise<{ sizeBytes: number; sha256: string }> {
  return sendFileChunks(file, async () => undefined);
}
