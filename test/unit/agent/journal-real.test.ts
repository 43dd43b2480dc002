import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandRunner } from '../../../shared/exec/command-runner.js';
import type { ParsedJournalEntry } from '../../../agent/journal/journal-entry.js';
import { journalctlArgs, validateJournalRequest, type JournalRequestFields } from '../../../agent/journal/journal-query.js';
import { scanJournal } from '../../../agent/journal/journal-reader.js';

/**
 * The scan against the real journalctl of this host over a small real journal (made by
 * systemd-journal-remote from an export stream): asking journalctl for only the fields the agent
 * reads (--output-fields) must give exactly the entries that the full JSON gives, for every filter.
 */

const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const LIMITS = { defaultMaxEntries: 1000, maxEntries: 1000, defaultTimeoutMs: 20_000, maxTimeoutMs: 60_000, maxPatterns: 4, maxPatternLength: 64 };
const BOOTS = ['1b0e3e1f0a9c4d6e8f1a2b3c4d5e6f70', '2c1f4f2a1bad4e7f901b3c4d5e6f7a81'];
const START_USEC = Date.UTC(2026, 10, 1) * 1000;

function request(over: Partial<JournalRequestFields> = {}): JournalRequestFields {
  return { boot: 'BOOT_SELECTOR_ALL', bootId: '', sinceUnixMs: 0, afterCursor: '', priority: '', units: [], includePatterns: [], excludePatterns: [], maxEntries: 0, timeoutMs: 0, newest: false, ...over };
}

type Field = [string, string | Buffer];

/** One entry of the journal export format: text fields as KEY=value, binary ones with a 64-bit length. */
function exportEntry(fields: Field[]): Buffer {
  const parts = fields.map(([k, v]) => {
    if (typeof v === 'string' && !v.includes('\n')) return Buffer.from(`${k}=${v}\n`);
    const data = Buffer.from(v);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(data.length));
    return Buffer.concat([Buffer.from(`${k}\n`), len, data, Buffer.from('\n')]);
  });
  return Buffer.concat([...parts, Buffer.from('\n')]);
}

/** Entries in the shapes the parser cares about, each with the noise fields a real entry carries. */
function journalEntries(): Field[][] {
  const out: Field[][] = [];
  for (let i = 0; i < 40; i += 1) {
    const boot = i < 20 ? 0 : 1;
    const fields: Field[] = [
      ['__REALTIME_TIMESTAMP', String(START_USEC + i * 1_000_000)],
      ['__MONOTONIC_TIMESTAMP', String(1_000_000 + i * 1000)],
      ['_BOOT_ID', BOOTS[boot]!],
      ['_MACHINE_ID', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'],
      ['_HOSTNAME', 'node-1'],
      ['_TRANSPORT', 'stdout'],
      ['_CMDLINE', '/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml'],
      ['_EXE', '/usr/bin/kubelet'],
      ['_CAP_EFFECTIVE', '1ffffffffff'],
      ['_UID', '0'],
    ];
    const shape = i % 8;
    if (shape !== 5) fields.push(['PRIORITY', String(i % 3 === 0 ? 3 : 6)]);
    if (shape !== 6) fields.push(['_SYSTEMD_UNIT', i % 2 === 0 ? 'kubelet.service' : 'etcd.service']);
    if (shape === 6) fields.push(['_COMM', 'kworker']); // a kernel-like line: no unit, no SYSLOG_IDENTIFIER
    else fields.push(['SYSLOG_IDENTIFIER', i % 2 === 0 ? 'kubelet' : 'etcd']);
    fields.push(['_PID', String(1000 + i)]);
    if (shape === 1) fields.push(['MESSAGE', Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe, 0x20, 0x41])]);
    else if (shape === 2) fields.push(['MESSAGE', `first ${i}`], ['MESSAGE', `second ${i}`]);
    else if (shape === 3) fields.push(['MESSAGE', `E${i} ${'x'.repeat(6000)} volume ${i}`]);
    else if (shape === 4) fields.push(['MESSAGE', `multi-line ${i}\nsecond line`]);
    else fields.push(['MESSAGE', `I${i} request handled in ${i} ms`]);
    out.push(fields);
  }
  return out;
}

describe('agent journal scan against the real journalctl', function () {
  this.timeout(60_000);
  let dir = '';
  let entries: Field[][] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-journal-real-'));
    entries = journalEntries();
    const exportFile = join(dir, 'entries.export');
    await writeFile(exportFile, Buffer.concat(entries.map(exportEntry)));
    await runCommand({ file: JOURNAL_REMOTE, args: [`--output=${join(dir, 'test.journal')}`, exportFile], timeoutMs: 30_000 });
    await rm(exportFile);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the agent's scan on the test journal, its argv rewritten by `edit`. */
  async function scan(over: Partial<JournalRequestFields>, edit: (args: readonly string[]) => string[] = (a) => [...a]): Promise<{ entries: ParsedJournalEntry[]; args: readonly string[] }> {
    let args: readonly string[] = [];
    const runner: CommandRunner = (spec) => {
      args = [...edit(spec.args), `--directory=${dir}`];
      return runCommand({ ...spec, args });
    };
    const got: ParsedJournalEntry[] = [];
    const summary = await scanJournal(validateJournalRequest(request(over), LIMITS), (e) => got.push(e), { runner, maxMessageBytes: 4096 });
    expect(summary.parseErrors).to.equal(0);
    return { entries: got, args };
  }
  const withoutOutputFields = (args: readonly string[]): string[] => args.filter((a) => !a.startsWith('--output-fields='));

  it('asks journalctl for the fields the agent reads only, and journalctl prints those and the four it always adds', async () => {
    const args = journalctlArgs(validateJournalRequest(request(), LIMITS));
    expect(args).to.include('--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,_COMM,_PID');
    const r = await runCommand({ file: 'journalctl', args: [...args, `--directory=${dir}`], timeoutMs: 30_000 });
    const keys = new Set(r.stdout.trim().split('\n').flatMap((l) => Object.keys(JSON.parse(l) as object)));
    expect([...keys].sort()).to.deep.equal(['MESSAGE', 'PRIORITY', 'SYSLOG_IDENTIFIER', '_BOOT_ID', '_COMM', '_PID', '_SYSTEMD_UNIT', '__CURSOR', '__MONOTONIC_TIMESTAMP', '__REALTIME_TIMESTAMP']);
  });

  const queries: [string, Partial<JournalRequestFields>][] = [
    ['all entries', {}],
    ['errors only', { priority: 'err' }],
    ['one unit', { units: ['kubelet.service'] }],
    ['a boot by ID, since a time', { bootId: BOOTS[1]!, sinceUnixMs: (START_USEC + 25_500_000) / 1000 }],
    ['the newest 5', { newest: true, maxEntries: 5 }],
  ];
  for (const [name, over] of queries) {
    it(`gives the same entries with --output-fields as with every field: ${name}`, async () => {
      const lean = await scan(over);
      const full = await scan(over, withoutOutputFields);
      expect(lean.args.some((a) => a.startsWith('--output-fields='))).to.equal(true);
      expect(full.args.some((a) => a.startsWith('--output-fields='))).to.equal(false);
      expect(lean.entries.length).to.be.above(0);
      expect(lean.entries).to.deep.equal(full.entries);
    });
  }

  it('reads every shape in full: binary, multi-valued, oversized and multi-line messages, missing PRIORITY, a line without unit', async () => {
    const { entries: got } = await scan({});
    expect(got).to.have.length(entries.length);
    expect(got[1]).to.include({ messageBinary: true, message: 'bin\ufffd\ufffd A' });
    expect(got[2]?.message).to.equal('first 2\nsecond 2');
    expect(got[3]).to.include({ messageTruncated: true, priority: 3 });
    expect(got[3]?.messageDigest).to.match(/^sha256:/);
    expect(got[4]?.message).to.equal('multi-line 4\nsecond line');
    expect(got[5]).to.include({ priority: 6, unit: 'etcd.service', identifier: 'etcd', pid: 1005 });
    expect(got[6]).to.include({ unit: '', identifier: 'kworker', pid: 1006, priority: 3 });
    expect(got[0]).to.include({ unit: 'kubelet.service', identifier: 'kubelet', priority: 3, message: 'I0 request handled in 0 ms', bootId: BOOTS[0], realtimeUsec: START_USEC });
  });
});
