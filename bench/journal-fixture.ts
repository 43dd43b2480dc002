import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../shared/exec/command-runner.js';

/**
 * A real journal of N entries, made by systemd-journal-remote from a generated export-format
 * stream, cached under cacheDir keyed by N and the recipe version (reruns reuse it). About 1% of
 * the entries are errors (PRIORITY 0..3), spread over 8 units and 2 boots.
 */

export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const RECIPE = 'v1';
const UNITS = ['kubelet.service', 'docker.service', 'etcd.service', 'gravity__gravitational.io__planet-master.service', 'sshd.service', 'cron.service', 'systemd-logind.service', 'noderoll-agent.service'];
const BOOTS = ['1b0e3e1f0a9c4d6e8f1a2b3c4d5e6f70', '2c1f4f2a1bad4e7f901b3c4d5e6f7a81'];
const MACHINE = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

export interface JournalFixture {
  dir: string;
  entries: number;
  errors: number;
  bytes: number;
}

/** Priority of entry i: deterministic, 1% errors (0..3), 5% warnings, the rest info/debug. */
export function fixturePriority(i: number): number {
  if (i % 100 === 7) return 3 - ((i / 100) % 4 | 0) % 2; // err or crit
  if (i % 20 === 3) return 4;
  return i % 10 === 9 ? 7 : 6;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) total += (await stat(join(dir, f))).size;
  return total;
}

function countErrors(n: number): number {
  let e = 0;
  for (let i = 0; i < n; i += 1) if (fixturePriority(i) <= 3) e += 1;
  return e;
}

async function writeExport(file: string, n: number): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const start = Date.UTC(2026, 10, 1) * 1000; // µs
  let chunk = '';
  for (let i = 0; i < n; i += 1) {
    const boot = i < n / 2 ? 0 : 1;
    const unit = UNITS[i % UNITS.length]!;
    const prio = fixturePriority(i);
    const ident = unit.replace(/\.service$/, '').replace(/^gravity__.*__/, '');
    const msg = prio <= 3 ? `E${i} failed to sync pod sandbox: rpc error: code = Unknown desc = context deadline exceeded (attempt ${i % 7})` : `I${i} ${ident}: request handled in ${(i * 7919) % 1000} ms for object default/pod-${i % 997} (generation ${i % 13})`;
    chunk +=
      `__REALTIME_TIMESTAMP=${start + i * 1000}\n__MONOTONIC_TIMESTAMP=${1_000_000 + i * 1000}\n_BOOT_ID=${BOOTS[boot]}\n_MACHINE_ID=${MACHINE}\n` +
      `_HOSTNAME=node-1\nPRIORITY=${prio}\n_SYSTEMD_UNIT=${unit}\nSYSLOG_IDENTIFIER=${ident}\n_PID=${1000 + (i % 50)}\n_TRANSPORT=stdout\nMESSAGE=${msg}\n\n`;
    if (chunk.length > 512 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

export async function journalFixture(cacheDir: string, n: number, log: (m: string) => void): Promise<JournalFixture> {
  const dir = join(cacheDir, `journal-${n}-${RECIPE}`);
  const errors = countErrors(n);
  try {
    if ((await readdir(dir)).some((f) => f.endsWith('.journal'))) return { dir, entries: n, errors, bytes: await dirBytes(dir) };
  } catch {
    // not cached yet
  }
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const exportFile = join(building, 'entries.export');
  const t0 = Date.now();
  log(`journal fixture: generating ${n} entries`);
  await writeExport(exportFile, n);
  await runCommand({ file: JOURNAL_REMOTE, args: [`--output=${join(building, 'bench.journal')}`, exportFile], timeoutMs: 10 * 60_000 });
  await rm(exportFile);
  await rm(dir, { recursive: true, force: true });
  await rename(building, dir);
  log(`journal fixture: ${n} entries built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, entries: n, errors, bytes: await dirBytes(dir) };
}
