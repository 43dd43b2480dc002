import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { STEP_NAMES } from '../../../coordinator/plan/runbook.js';
import { htmlEscape, renderHtmlReport } from '../../../coordinator/report/render-html.js';
import { mdEscape, renderMarkdownReport } from '../../../coordinator/report/render-markdown.js';
import { buildReportModel } from '../../../coordinator/report/report-model.js';
import { newOperationRecord } from '../../../coordinator/state/operation-record.js';
import { testConfigYaml, THREE_NODES } from './fakes/engine-harness.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { reportFixtureRecord } from './fixtures/report-record.js';

describe('operation report', () => {
  describe('model', () => {
    it('spans the operation and sums the time per step over the nodes', () => {
      const m = buildReportModel(reportFixtureRecord());
      expect(m.nodes).to.have.length(3);
      expect(m.startMs).to.equal(Date.parse('2026-11-27T02:00:00.000Z') - 500);
      const wait = m.totals.find((t) => t.name === 'waitForReboot');
      expect(wait).to.deep.equal({ name: 'waitForReboot', totalMs: 3 * 48_000, count: 3 });
      const soak = m.totals.find((t) => t.name === 'soakClusterHealth');
      expect(soak?.count, 'node-3 halted before its soak').to.equal(2);
      // nodes went one at a time: each starts after the previous ended
      for (let i = 1; i < m.nodes.length; i++) expect(m.nodes[i]!.startMs!).to.be.greaterThan(m.nodes[i - 1]!.endMs!);
    });

    it('copes with a fresh record where nothing has run', () => {
      const record = newOperationRecord({
        id: 'nr-20261127-020000-ab12cd',
        targetVersion: '7.0.68',
        nodes: [{ name: 'n1', role: 'master', agent: 'n1:7443' } as never],
        invocation: { configPath: '/c', confirmEachNode: false, pauseBetweenMs: 0 },
        now: '2026-11-27T02:00:00.000Z',
      });
      expect(renderMarkdownReport(record)).to.contain('## Node n1 — pending');
      const html = renderHtmlReport(record);
      expect(html).to.contain('data-node="n1"');
      expect(html).not.to.match(/NaN|undefined|Infinity/);
    });
  });

  describe('Markdown', () => {
    const md = renderMarkdownReport(reportFixtureRecord());

    it('has the summary, timeline and every step of every node with times, durations and results', () => {
      expect(md).to.match(/^# noderoll operation nr-20261127-020000-ab12cd/);
      expect(md).to.contain('- Status: **halted**');
      expect(md).to.contain('## Timeline');
      expect(md).to.contain('## Where the time went');
      for (const n of ['node-1', 'node-2', 'node-3']) expect(md).to.contain(`## Node ${n}`);
      expect(md).to.contain('| 11 | waitForReboot | 2026-11-27 02:00:') ;
      expect(md).to.match(/\| 11 \| waitForReboot \| [^|]+ \| [^|]+ \| 48s \| ok \| 1 \|/);
      expect(md).to.match(/\| 12 \| verifyNodeHealthy \| [^|]+ \| [^|]+ \| 2\.1s \| failed \| 1 \|/);
      expect(md).to.contain('ok (already done)');
      expect(md).to.contain('- Version: `7.0.67` → `7.0.68`');
      expect(md).to.contain('- Boot ID: `0111aaaa-0000-4000-8000-000000000000` → `0222bbbb-0000-4000-8000-000000000000`');
      expect(md).to.contain('- Gates (before the node): ok — gravity: cluster active');
      expect(md).to.contain('- Gates (soak after the node): ok — gates passed 3 consecutive times');
      expect(md).to.contain('- Journal baseline: 2 error signatures in the boot before the update');
      expect(md).to.match(/- Journal after the reboot \(post checks\): [^\n]*no new journal errors/);
      expect(md).to.contain('- Resume with: `noderoll resume --config /etc/noderoll/config.yaml`');
    });

    it('escapes recorded strings: no raw HTML, no broken tables, no emphasis', () => {
      expect(md).not.to.contain('<script>');
      expect(md).not.to.contain('<img');
      expect(md).not.to.contain('<b>');
      expect(md).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(md).to.contain('&amp; \\| \\*boom\\*');
      // every table row of a node keeps its 8 cells
      for (const line of md.split('\n').filter((l) => /^\| \d+ \| /.test(l))) {
        expect(line.replace(/\\\|/g, '').split('|').length, line).to.equal(10);
      }
      expect(mdEscape('a|b\nc')).to.equal('a\\|b c');
    });
  });

  describe('HTML', () => {
    const html = renderHtmlReport(reportFixtureRecord());

    it('is one self-contained page: inline CSS and SVG, no script, no external reference', () => {
      expect(html).to.match(/^<!DOCTYPE html>/);
      expect(html).to.contain('<style>');
      expect(html).not.to.match(/<script|<link|src=["']?http|href=["']?http|@import|url\(/i);
      expect(html).to.contain("default-src 'none'");
    });

    it('draws a timeline with one lane per node and one bar per step that ran', () => {
      const svg = /<svg id="timeline"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
      expect(svg).not.to.equal('');
      expect(svg.match(/<g class="lane" data-node="/g)).to.have.length(3);
      for (const n of ['node-1', 'node-2', 'node-3']) expect(svg).to.contain(`data-node="${n}"`);
      expect(svg.match(/<rect class="step /g)).to.have.length(14 + 14 + 12);
      expect(svg.match(/class="step step-failed"/g)).to.have.length(1);
      expect(svg).not.to.match(/NaN|undefined|Infinity/);
      // lanes do not overlap in time: node-2's first bar starts right of node-1's last
      const xs = (node: string): number[] => [...(new RegExp(`data-node="${node}">[\\s\\S]*?</g>`).exec(svg)?.[0] ?? '').matchAll(/class="step [^"]*" data-step="[^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((mm) => Number(mm[1]));
      expect(Math.min(...xs('node-2'))).to.be.greaterThan(Math.max(...xs('node-1')));
    });

    it('shows per node versions, boot IDs, gates, journal findings and every step', () => {
      expect(html).to.contain('<code>7.0.67</code> → <code>7.0.68</code>');
      expect(html).to.contain('<code>2111aaaa-0000-4000-8000-000000000002</code> → <code>2222bbbb-0000-4000-8000-000000000002</code>');
      expect(html).to.contain('gates before the node');
      expect(html).to.contain('gates after the node (soak)');
      expect(html).to.contain('journal baseline');
      expect(html).to.contain('journal after the reboot (post checks)');
      for (const s of STEP_NAMES) expect(html).to.contain(s);
    });

    it('escapes every recorded string', () => {
      expect(html).not.to.contain('<script>');
      expect(html).not.to.contain('<img');
      expect(html).not.to.contain('<b>foo');
      expect(html).to.contain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | *boom*');
      expect(html).to.contain('&lt;img src=x onerror=alert(1)&gt;');
      expect(htmlEscape(`"'<>&`)).to.equal('&quot;&#39;&lt;&gt;&amp;');
    });
  });

  describe('noderoll report', function () {
    this.timeout(20_000);
    let dir = '';
    let config = '';
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'noderoll-report-'));
      config = join(dir, 'config.yaml');
      await writeFile(config, testConfigYaml(dir, THREE_NODES));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = fakeCliEnv(new FakeClock(), new FakeWorld(new FakeClock(), THREE_NODES));
      const code = await runCli(args, io.env);
      return { code, out: io.out(), err: io.err() };
    };
    const record = reportFixtureRecord();

    it('writes OPERATION.md and OPERATION.html of the last operation to --out and prints the paths', async () => {
      await writeFile(join(dir, 'state.json'), JSON.stringify(record));
      const out = join(dir, 'reports', 'sub');
      const r = await cli(['report', '--config', config, '--out', out]);
      expect(r.code, r.err).to.equal(ExitCode.ok);
      expect((await readdir(out)).sort()).to.deep.equal([`${record.id}.html`, `${record.id}.md`]);
      expect(r.out).to.contain(join(out, `${record.id}.md`)).and.to.contain(join(out, `${record.id}.html`));
      expect(await readFile(join(out, `${record.id}.html`), 'utf8')).to.equal(renderHtmlReport(record));
      expect(await readFile(join(out, `${record.id}.md`), 'utf8')).to.equal(renderMarkdownReport(record));
    });

    it('accepts the operation ID and prints the paths as JSON with -o json', async () => {
      await writeFile(join(dir, 'state.json'), JSON.stringify(record));
      const r = await cli(['report', record.id, '--config', config, '--out', dir, '-o', 'json']);
      expect(r.code, r.err).to.equal(ExitCode.ok);
      const doc = JSON.parse(r.out.trim()) as Record<string, unknown>;
      expect(doc).to.include({ type: 'report', operationId: record.id, status: 'halted', markdown: join(dir, `${record.id}.md`), html: join(dir, `${record.id}.html`) });
    });

    it('refuses another operation, a malformed ID, a stray argument or an unknown flag', async () => {
      await writeFile(join(dir, 'state.json'), JSON.stringify(record));
      const other = await cli(['report', 'nr-20200101-000000-zzzz', '--config', config, '--out', dir]);
      expect(other.code).to.equal(ExitCode.conflict);
      expect(other.err).to.contain(`it holds operation ${record.id}`);
      const bad = await cli(['report', '../etc', '--config', config]);
      expect(bad.code).to.equal(ExitCode.usage);
      expect(bad.err).to.match(/OPERATION: "..\/etc" is not an operation ID/);
      const stray = await cli(['report', record.id, 'extra', '--config', config]);
      expect(stray.code).to.equal(ExitCode.usage);
      const flag = await cli(['report', '--config', config, '--outdir', dir]);
      expect(flag.code).to.equal(ExitCode.usage);
      expect(flag.err).to.match(/--outdir: unknown flag for noderoll report \(did you mean --out\?\)/);
      expect((await readdir(dir)).sort()).to.deep.equal(['config.yaml', 'state.json']);
    });

    it('exits 5 when no operation is recorded', async () => {
      const r = await cli(['report', '--config', config, '--out', dir]);
      expect(r.code).to.equal(ExitCode.conflict);
      expect(r.err).to.match(/nothing to report: no operation is recorded/);
    });
  });
});
