import type { ServerWritableStream } from '@grpc/grpc-js';

/**
 * Writes one message to a server stream and waits while grpc-js's buffer is full (write() returned
 * false) until it drains, so a slow caller holds back the sender instead of growing its memory.
 * Rejects when the caller went away.
 */
export function writeWithBackpressure<Req, Res>(call: ServerWritableStream<Req, Res>, message: Res): Promise<void> {
  if (call.cancelled || call.destroyed) return Promise.reject(new Error('the caller cancelled the stream'));
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      call.off('drain', onDrain);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onGone = (): void => done(new Error('the caller cancelled the stream'));
    call.on('drain', onDrain);
    call.on('cancelled', onGone);
    call.on('close', onGone);
  });
}
