import { badRequest } from '../api-error.js';
import type { JsonValue } from '../json-value.js';

/**
 * kubectl's typed clients (`create namespace`, `create configmap`, `create serviceaccount`,
 * `create rolebinding`, `create token`) send their body as Kubernetes protobuf: the magic "k8s\0", then a
 * runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2}. This decodes those few kinds into
 * the JSON the handlers take; any other kind is refused (415 upstream).
 */

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; varint?: bigint; bytes?: Buffer };

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i] as number;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw badRequest('the protobuf body is truncated');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const no = Number(tag >> 3n);
    switch (Number(tag & 7n)) {
      case 0: {
        const [v, n] = readVarint(buf, at);
        out.push({ no, varint: v });
        at = n;
        break;
      }
      case 1:
        at += 8;
        break;
      case 2: {
        const [len, n] = readVarint(buf, at);
        const end = n + Number(len);
        if (end > buf.length) throw badRequest('the protobuf body is truncated');
        out.push({ no, bytes: buf.subarray(n, end) });
        at = end;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw badRequest('the protobuf body has an unsupported wire type');
    }
  }
  return out;
}

const str = (f: Field | undefined): string | undefined => f?.bytes?.toString('utf8');
const one = (fs: Field[], no: number): Field | undefined => fs.filter((f) => f.no === no).at(-1);

function stringMap(fs: Field[], no: number, asBase64 = false): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && f.bytes);
  if (entries.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.bytes as Buffer);
    const value = one(kv, 2)?.bytes ?? Buffer.alloc(0);
    map[str(one(kv, 1)) ?? ''] = asBase64 ? value.toString('base64') : value.toString('utf8');
  }
  return map;
}

/** A message of string fields 1..n, as {names[0]: …, names[1]: …}; empty strings left out. */
function namedStrings(buf: Buffer, names: readonly string[]): Record<string, JsonValue> {
  const fs = fields(buf);
  return Object.fromEntries(names.map((name, i) => [name, str(one(fs, i + 1)) ?? '']).filter(([, v]) => v !== ''));
}

function objectMeta(buf: Buffer | undefined): Record<string, JsonValue> {
  const fs = fields(buf ?? Buffer.alloc(0));
  const meta: Record<string, JsonValue> = {};
  const set = (key: string, value: JsonValue | undefined): void => {
    if (value !== undefined && value !== '') meta[key] = value;
  };
  set('name', str(one(fs, 1)));
  set('generateName', str(one(fs, 2)));
  set('namespace', str(one(fs, 3)));
  set('resourceVersion', str(one(fs, 6)));
  set('labels', stringMap(fs, 11));
  set('annotations', stringMap(fs, 12));
  return meta;
}

/** The JSON form of a protobuf-encoded Namespace, ConfigMap, ServiceAccount, RoleBinding, TokenRequest or SelfSubjectAccessReview body. */
export function decodeProtobufObject(body: Buffer): JsonValue | undefined {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('the protobuf body does not start with the Kubernetes magic number');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(one(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(one(typeMeta, 1)) ?? '';
  const kind = str(one(typeMeta, 2)) ?? '';
  const raw = fields(one(unknown, 2)?.bytes ?? Buffer.alloc(0));
  const base = { apiVersion, kind, metadata: objectMeta(one(raw, 1)?.bytes) };
  switch (kind) {
    case 'Namespace':
    case 'ServiceAccount':
      return base;
    case 'ConfigMap': {
      const obj: Record<string, JsonValue> = { ...base };
      const data = stringMap(raw, 2);
      const binaryData = stringMap(raw, 3, true);
      if (data) obj.data = data;
      if (binaryData) obj.binaryData = binaryData;
      const immutable = one(raw, 4)?.varint;
      if (immutable !== undefined) obj.immutable = immutable !== 0n;
      return obj;
    }
    case 'TokenRequest': {
      const spec = fields(one(raw, 2)?.bytes ?? Buffer.alloc(0));
      const out: Record<string, JsonValue> = { audiences: spec.filter((f) => f.no === 1).map((f) => str(f) ?? '') };
      const expiration = one(spec, 4)?.varint;
      if (expiration !== undefined) out.expirationSeconds = Number(expiration);
      return { ...base, spec: out };
    }
    case 'RoleBinding': {
      // rbac/v1 RoleBinding: subjects=2 (Subject kind=1 apiGroup=2 name=3 namespace=4), roleRef=3 (apiGroup=1 kind=2 name=3).
      const subjects = raw.filter((f) => f.no === 2).map((f) => namedStrings(f.bytes ?? Buffer.alloc(0), ['kind', 'apiGroup', 'name', 'namespace']));
      return { ...base, subjects, roleRef: namedStrings(one(raw, 3)?.bytes ?? Buffer.alloc(0), ['apiGroup', 'kind', 'name']) };
    }
    case 'SelfSubjectAccessReview': {
      const spec = fields(one(raw, 2)?.bytes ?? Buffer.alloc(0));
      const attributes = (no: number, names: readonly string[]): Record<string, JsonValue> | undefined => {
        const f = one(spec, no);
        return f?.bytes ? namedStrings(f.bytes, names) : undefined;
      };
      const resourceAttributes = attributes(1, ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']);
      const nonResourceAttributes = attributes(2, ['path', 'verb']);
      return { ...base, spec: { ...(resourceAttributes ? { resourceAttributes } : {}), ...(nonResourceAttributes ? { nonResourceAttributes } : {}) } };
    }
    default:
      return undefined;
  }
}
