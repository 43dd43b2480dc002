import { parentPort, workerData } from 'node:worker_threads';
import { messageSelected } from './journal-query.js';
import type { PatternWorkerData } from './pattern-matcher.js';

/**
 * The worker thread of pattern-matcher.ts: receives batches of messages, answers one byte per
 * message (1: selected). Before each pattern runs it writes which one and the message's length
 * to the shared progress array, so that the agent can say which pattern was still running when
 * it stopped this thread.
 */

const data = workerData as PatternWorkerData;
const include = data.include.map((p) => new RegExp(p.source, p.flags));
const exclude = data.exclude.map((p) => new RegExp(p.source, p.flags));
const progress = new Int32Array(data.progress);
const port = parentPort!;

port.on('message', (messages: string[]) => {
  const verdicts = new Uint8Array(messages.length);
  messages.forEach((message, i) => {
    Atomics.store(progress, 2, message.length);
    const selected = messageSelected(message, include, exclude, (list, index) => {
      Atomics.store(progress, 0, list === 'include' ? 0 : 1);
      Atomics.store(progress, 1, index);
    });
    verdicts[i] = selected ? 1 : 0;
  });
  port.postMessage(verdicts, [verdicts.buffer]);
});
