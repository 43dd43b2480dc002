/** Data as JSON.parse(JSON.stringify(value)) gives it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON.parse(JSON.stringify(value)) without the text: undefined, function and symbol properties
 * dropped (in arrays: null), non-finite numbers null, toJSON honoured, own enumerable keys in their
 * order. The simulation saves the whole operation record before and after every step; a copy costs
 * less than a third of the serialization and parse it replaces.
 */
export function jsonCopy(value: unknown): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return jsonCopy((toJSON as () => unknown).call(value));
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value as unknown[]) out.push(jsonCopy(item) ?? null);
    return out;
  }
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    const copy = jsonCopy((value as Record<string, unknown>)[key]);
    if (copy === undefined) continue;
    // A key named __proto__ is data, as JSON.parse makes it (an assignment would set the prototype).
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}
