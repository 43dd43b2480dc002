/** Parsers of etcdctl's `-w json` output (etcd 3.4/3.5). Each throws an Error saying what was wrong. */

export interface EtcdMemberHealthResult {
  endpoint: string;
  healthy: boolean;
  error: string;
  tookMs: number;
}

export interface EtcdSnapshotStatus {
  hash: number;
  revision: number;
  totalKeys: number;
  totalSize: number;
}

/** Go's time.Duration text ("1.651523ms", "5.00103794s", "1m2.5s") in whole milliseconds; 0 when unreadable. */
export function goDurationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === text && text !== '' ? Math.round(total) : 0;
}

/** `etcdctl endpoint health --cluster -w json`: an array with one object per member. */
export function parseEndpointHealth(stdout: string): EtcdMemberHealthResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`etcdctl endpoint health: output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!Array.isArray(doc) || doc.length === 0) throw new Error('etcdctl endpoint health: expected a non-empty JSON array of members');
  return doc.map((item: unknown, i) => {
    const o = item as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.endpoint !== 'string' || typeof o.health !== 'boolean') {
      throw new Error(`etcdctl endpoint health: entry ${i} lacks "endpoint" (string) and "health" (boolean)`);
    }
    return {
      endpoint: o.endpoint,
      healthy: o.health,
      error: typeof o.error === 'string' ? o.error : '',
      tookMs: typeof o.took === 'string' ? goDurationMs(o.took) : 0,
    };
  });
}

/** `etcdctl snapshot status FILE -w json`: {"hash":…,"revision":…,"totalKey":…,"totalSize":…}. */
export function parseSnapshotStatus(stdout: string): EtcdSnapshotStatus {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`etcdctl snapshot status: output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const num = (key: string): number => {
    const v = o?.[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`etcdctl snapshot status: "${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const status = { hash: num('hash'), revision: num('revision'), totalKeys: num('totalKey'), totalSize: num('totalSize') };
  if (status.totalSize === 0) throw new Error('etcdctl snapshot status: totalSize is 0: not a usable snapshot');
  return status;
}
