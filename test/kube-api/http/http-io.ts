import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, bodyTooLarge } from '../api-error.js';
import type { JsonValue } from '../json-value.js';

/** Reads the whole request body, refusing (413) once it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(bodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function parseJson(body: Buffer): JsonValue {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw badRequest(`the request body is not valid JSON: ${reason}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  // A refused body may still be arriving: close the connection rather than read it.
  const headers: Record<string, string> = err.code === 413 ? { Connection: 'close' } : {};
  sendJson(res, err.code, err.toStatus(), headers);
}
