import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { toJournalEntry } from '../../../coordinator/agents/grpc-node-agent.js';
import { describeEvent, LineReporter } from '../../../coordinator/cli/reporter.js';
import { loadConfig, parseConfigText } from '../../../coordinator/config/load-config.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import type { JournalEntry } from '../../../coordinator/ports/node-agent.js';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { describeJournalEntry, findNewJournalErrors, journalSignature } from '../../../coordinator/steps/journal-signature.js';
import type { JournalEntry as AgentJournalEntry } from '../../../shared/agent-api/agent-client.js';
import { JOURNAL_SCAN_MAX_ENTRIES } from '../../../shared/journal/journal-limits.js';
import { escapeControlCharacters } from '../../../shared/text/control-characters.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';

/** Journal findings on their way from the agent to the operator (issue #10, defect 6), and the post-check config. */

const MINIMAL = `
nodes:
  - name: 10.0.0.1
    agent: 10.0.0.1:7443
agents: { insecurePlaintext: true }
`;

function configIssues(text: string): { path: string; message: string }[] {
  try {
    parseConfigText(text, '/etc/noderoll/config.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.field, message: p.problem }));
    throw err;
  }
  return [];
}

function agentEntry(over: Partial<AgentJournalEntry>): AgentJournalEntry {
  return {
    cursor: 's=1;i=1',
    realtimeUsec: 1_795_744_667_485_589,
    bootId: 'b1',
    priority: 3,
    unit: 'kubelet.service',
    identifier: 'kubelet',
    message: '',
    pid: 1,
    messageBinary: false,
    messageTruncated: false,
    messageDigest: '',
    ...over,
  };
}

describe('journal findings: flags, signatures, escaping, baseline', function () {
  this.timeout(20_000);

  it('keeps the agent’s binary/truncated flags and digest on the way into the coordinator', () => {
    const e = toJournalEntry(agentEntry({ message: '', messageTruncated: true, messageDigest: 'sha256:00112233aabbccdd' }));
    expect(e).to.include({ message: '', messageTruncated: true, messageDigest: 'sha256:00112233aabbccdd' });
    expect(toJournalEntry(agentEntry({ message: 'b\ufffd', messageBinary: true, messageDigest: 'sha256:1' }))).to.include({ messageBinary: true });
    expect(toJournalEntry(agentEntry({ message: 'plain' }))).not.to.have.property('messageTruncated');
  });

  it('tells two oversized errors of one unit apart, so a new one after the reboot is not hidden as known', () => {
    const oversized = (digest: string): JournalEntry => ({ timeMs: 1, priority: 3, unit: 'kubelet.service', message: '', messageTruncated: true, messageDigest: digest });
    const before = oversized('sha256:aaaaaaaaaaaaaaaa');
    const after = oversized('sha256:bbbbbbbbbbbbbbbb');
    expect(journalSignature(before)).not.to.equal(journalSignature(after));
    const result = findNewJournalErrors([after, oversized('sha256:aaaaaaaaaaaaaaaa')], new Set([journalSignature(before)]), []);
    expect(result.entries).to.deep.equal([after]);
    expect(result.known).to.equal(1);
    // a plain message keeps its old signature (baselines recorded before stay comparable)
    expect(journalSignature({ timeMs: 1, priority: 3, unit: 'etcd.service', message: 'member 10.0.0.1:2380 unreachable 42 times' })).to.equal('etcd.service: member <ip> unreachable <n> times');
  });

  it('says what a message is when it is not the whole message, and escapes control characters', () => {
    const omitted = describeJournalEntry({ timeMs: 0, priority: 3, unit: 'kubelet.service', message: '', messageTruncated: true, messageDigest: 'sha256:0011' });
    expect(omitted).to.contain('message omitted by journalctl (too large)').and.contain('sha256:0011');
    const evil = describeJournalEntry({ timeMs: 0, priority: 3, unit: 'x.service', message: 'ok\x1b]0;pwned\x07\x1b[2J\rgone\u202e' });
    expect(evil).not.to.match(/[\x00-\x1f\x7f\u202e]/);
    expect(evil).to.contain('ok\\x1b]0;pwned\\x07\\x1b[2J\\rgone\\u202e');
  });

  it('the CLI escapes control characters of any event text it prints (text output)', () => {
    const written: string[] = [];
    const reporter = new LineReporter({ write: (c) => (written.push(c), true) }, { write: (c) => (written.push(c), true) });
    const event: TimedEvent = { type: 'step-failed', time: '2026-12-01T10:00:00.000Z', node: 'node-1', step: 'verifyNodeHealthy', durationMs: 1, reason: 'new error: \x1b[31mred\x1b[0m', details: ['\x9b2J 8-bit CSI', 'tab\there'] };
    reporter.event(event);
    reporter.message('status line 1\nline 2 \x1b[1A');
    reporter.error('bad \x1b[2K');
    const out = written.join('');
    // the only control characters left are the line breaks the reporter writes itself
    expect(out.replace(/\n/g, '')).not.to.match(/[\x00-\x1f\x7f-\x9f]/);
    expect(out).to.contain('new error: \\x1b[31mred\\x1b[0m').and.contain('\\x9b2J 8-bit CSI').and.contain('tab\\there').and.contain('line 2 \\x1b[1A');
    expect(describeEvent(event)[0]).to.contain('\\x1b[31m');
    expect(escapeControlCharacters('a\u2028b\u2066c')).to.equal('a\\u2028b\\u2066c');
  });

  describe('baseline on a long-running node', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
    });

    it('keeps the most recent errors when the boot holds more than one scan returns: a recurring recent error is known', async () => {
      h = await makeHarness({ configExtra: 'journal: { maxEntries: 3 }' });
      const n1 = h.world.node('node-1');
      for (let i = 0; i < 5; i++) n1.journal.push({ timeMs: i, priority: 3, message: `old boot-time error ${String.fromCharCode(97 + i)}`, unit: 'kernel', bootId: n1.bootId });
      n1.journal.push({ timeMs: 10, priority: 3, message: 'etcd: slow fdatasync took 1200ms', unit: 'etcd.service', bootId: n1.bootId });
      n1.onNextBoot = { journalErrors: ['etcd: slow fdatasync took 900ms'] };
      n1.journal.push({ timeMs: 11, priority: 3, message: 'etcd: slow fdatasync took 1300ms', unit: 'kubelet.service', bootId: n1.bootId });
      expect(await h.run(), JSON.stringify((await h.load()).halt)).to.equal('completed');
      const node1 = (await h.load()).nodes.find((n) => n.name === 'node-1')!;
      expect(node1.facts.journalBaseline).to.include('kubelet.service: etcd: slow fdatasync took <n>ms');
      expect(node1.facts.journalBaselineTruncated).to.equal(true);
      expect(stepRecord(node1, 'recordJournalBaseline').note).to.contain('truncated: the newest kept');
    });
  });

  describe('config', () => {
    it('coordinator and agent share one cap on journal entries; the coordinator refuses more, naming the field', () => {
      expect(JOURNAL_SCAN_MAX_ENTRIES).to.equal(10_000);
      expect(configIssues(MINIMAL + `journal: { maxEntries: ${JOURNAL_SCAN_MAX_ENTRIES} }\n`)).to.deep.equal([]);
      const [issue] = configIssues(MINIMAL + `journal: { maxEntries: ${JOURNAL_SCAN_MAX_ENTRIES + 1} }\n`);
      expect(issue).to.deep.include({ path: 'journal.maxEntries' });
      expect(issue!.message).to.match(/between 1 and 10000/);
    });

    it('reads postChecks.failedUnits.ignore as unit globs and names the field of a bad one', () => {
      expect(parseConfigText(MINIMAL, '/c.yaml').postChecks).to.deep.equal({ failedUnits: { ignore: [] } });
      expect(parseConfigText(MINIMAL + 'postChecks: { failedUnits: { ignore: ["kdump.service", "mcelog*"] } }\n', '/c.yaml').postChecks.failedUnits.ignore).to.deep.equal(['kdump.service', 'mcelog*']);
      const cases: [string, string, RegExp][] = [
        ['postChecks: { failedUnits: { ignore: ["kdump.service; reboot"] } }', 'postChecks.failedUnits.ignore[0]', /not a unit-name pattern/],
        ['postChecks: { failedUnits: { ignore: "kdump.service" } }', 'postChecks.failedUnits.ignore', /must be a list of strings/],
        ['postChecks: { failedUnits: { ignore: [42] } }', 'postChecks.failedUnits.ignore[0]', /must be a string/],
        ['postChecks: { failedUnit: { ignore: [] } }', 'postChecks.failedUnit', /unknown field \(did you mean "failedUnits"\?\); allowed: failedUnits/],
        ['postChecks: { failedUnits: { ignored: [] } }', 'postChecks.failedUnits.ignored', /unknown field/],
      ];
      for (const [yaml, path, message] of cases) {
        const found = configIssues(MINIMAL + yaml + '\n');
        const hit = found.find((i) => i.path === path);
        expect(hit, `${yaml}: ${JSON.stringify(found)}`).to.not.equal(undefined);
        expect(hit!.message).to.match(message);
      }
    });

    it('documents postChecks in the example config, with the defaults', async () => {
      const example = await loadConfig(fileURLToPath(new URL('../../../../coordinator/config/example-config.yaml', import.meta.url)));
      expect(example.postChecks).to.deep.equal(parseConfigText(MINIMAL, '/c.yaml').postChecks);
    });
  });
});
