import type { ServerWritableStream } from '@grpc/grpc-js';
import type { EtcdSnapshotEvent } from '../../shared/agent-api/generated/noderoll/agent/v1/EtcdSnapshotEvent.js';
import type { SaveEtcdSnapshotRequest__Output } from '../../shared/agent-api/generated/noderoll/agent/v1/SaveEtcdSnapshotRequest.js';
import { AgentError } from '../agent-error.js';
import type { EtcdSnapshotResult } from '../etcd/etcd-operations.js';
import { sendFileChunks } from '../etcd/file-chunks.js';
import { toOperation } from './proto-mapping.js';
import { writeWithBackpressure } from './stream-writer.js';

/**
 * SaveEtcdSnapshot's stream: started, the kept snapshot file in ≤64 KiB chunks (waiting for the
 * caller when it is slow), finished with the size and SHA-256 of the bytes sent and etcd's own
 * status of the snapshot. Bytes that hash differently from what was recorded when the snapshot was
 * taken (the file changed on disk) end the call with an error instead of a finish.
 */
export async function streamEtcdSnapshot(
  call: ServerWritableStream<SaveEtcdSnapshotRequest__Output, EtcdSnapshotEvent>,
  r: EtcdSnapshotResult,
  signal: AbortSignal,
): Promise<void> {
  const s = r.snapshot;
  await writeWithBackpressure(call, { started: { operationId: r.op.id, command: s.command, replayed: r.replayed } });
  const sent = await sendFileChunks(s.file, (chunk) => writeWithBackpressure(call, { chunk }), signal);
  if (sent.sha256 !== s.sha256 || sent.sizeBytes !== s.sizeBytes) {
    throw new AgentError('INTERNAL', `the snapshot ${s.file} changed on disk: recorded ${s.sizeBytes} bytes sha256 ${s.sha256}, read ${sent.sizeBytes} bytes sha256 ${sent.sha256}`);
  }
  await writeWithBackpressure(call, {
    finished: {
      operation: toOperation(r.op),
      sizeBytes: sent.sizeBytes,
      sha256: sent.sha256,
      etcdHash: s.hash,
      revision: s.revision,
      totalKeys: s.totalKeys,
      totalSize: s.totalSize,
      datastore: s.datastore ?? 'etcd',
    },
  });
  call.end();
}
