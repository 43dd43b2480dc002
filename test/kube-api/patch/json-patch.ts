import { deepEqual, isJsonObject, type JsonValue } from '../json-value.js';

/** RFC 6902 JSON Patch with RFC 6901 pointers. Throws JsonPatchError on a bad or failing operation. */

export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forInsert: boolean): number {
  if (forInsert && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`invalid array index ${JSON.stringify(token)}`);
  const index = Number(token);
  if (index > length || (!forInsert && index === length)) throw new JsonPatchError(`array index ${index} out of bounds`);
  return index;
}

/** The container holding the pointer's last token, plus that token. */
function locate(doc: JsonValue, tokens: string[]): { parent: JsonValue; last: string } {
  let node: JsonValue = doc;
  for (const token of tokens.slice(0, -1)) {
    let child: JsonValue | undefined;
    if (Array.isArray(node)) child = node[arrayIndex(token, node.length, false)];
    else if (isJsonObject(node)) child = node[token];
    if (child === undefined) throw new JsonPatchError(`path component ${JSON.stringify(token)} does not exist`);
    node = child;
  }
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw new JsonPatchError('the operation needs a non-root path');
  return { parent: node, last };
}

function getAt(doc: JsonValue, pointer: string): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, last } = locate(doc, tokens);
  const value = Array.isArray(parent) ? parent[arrayIndex(last, parent.length, false)] : isJsonObject(parent) ? parent[last] : undefined;
  if (value === undefined) throw new JsonPatchError(`path ${pointer} does not exist`);
  return value;
}

function removeAt(doc: JsonValue, pointer: string): JsonValue {
  const { parent, last } = locate(doc, parsePointer(pointer));
  if (Array.isArray(parent)) return parent.splice(arrayIndex(last, parent.length, false), 1)[0] as JsonValue;
  if (isJsonObject(parent) && last in parent) {
    const value = parent[last] as JsonValue;
    delete parent[last];
    return value;
  }
  throw new JsonPatchError(`path ${pointer} does not exist`);
}

function addAt(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, last } = locate(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else if (isJsonObject(parent)) parent[last] = value;
  else throw new JsonPatchError(`cannot add to a scalar at ${pointer}`);
  return doc;
}

function asOperation(raw: unknown): Operation {
  if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
    throw new JsonPatchError('every operation needs string "op" and "path"');
  }
  return raw as unknown as Operation;
}

function requireValue(op: Operation): JsonValue {
  if (op.value === undefined) throw new JsonPatchError(`"${op.op}" needs a value`);
  return structuredClone(op.value);
}

function requireFrom(op: Operation): string {
  if (typeof op.from !== 'string') throw new JsonPatchError(`"${op.op}" needs "from"`);
  return op.from;
}

export function applyJsonPatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!Array.isArray(patch)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of patch) {
    const op = asOperation(raw);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, requireValue(op));
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace':
        if (parsePointer(op.path).length === 0) doc = requireValue(op);
        else {
          removeAt(doc, op.path);
          doc = addAt(doc, op.path, requireValue(op));
        }
        break;
      case 'move': {
        const from = requireFrom(op);
        if (op.path.startsWith(from + '/')) throw new JsonPatchError('cannot move a value into its own child');
        doc = addAt(doc, op.path, removeAt(doc, from));
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, structuredClone(getAt(doc, requireFrom(op))));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), requireValue(op))) throw new JsonPatchError(`test operation failed at ${op.path}`);
        break;
      default:
        throw new JsonPatchError(`unknown operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
