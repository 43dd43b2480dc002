import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtmlReport } from '../../coordinator/report/render-html.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { reportFixtureRecord } from '../unit/coordinator/fixtures/report-record.js';

/**
 * The HTML report in a real browser: headless Chromium (Debian `chromium`) renders it, the DOM holds
 * the SVG timeline with one lane per node, the screenshot is a real picture, and the console is clean.
 */

const CHROMIUM = process.env.NODEROLL_CHROMIUM ?? '/usr/bin/chromium';

/** Browser console output with --enable-logging=stderr: `…:INFO:CONSOLE:1] "msg", source: …` (older: `CONSOLE(1)`). */
const CONSOLE_LINE = /:CONSOLE[:(]|Uncaught/;

describe('HTML report in headless Chromium', function () {
  this.timeout(120_000);
  let dir = '';

  before(() => {
    // a test dependency like promtool: a missing browser fails the suite, it never passes without rendering
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is not installed: this test renders the report in headless Chromium; scripts/dev installs it (apt-get install --no-install-recommends chromium), or set NODEROLL_CHROMIUM`);
    }
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-report-chromium-'));
  });
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function chromium(page: string, extra: string[]): Promise<{ stdout: string; stderr: string }> {
    const profile = await mkdtemp(join(dir, 'profile-'));
    const r = await runCommand({
      file: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--window-size=1200,900',
        ...extra,
        pathToFileURL(page).href,
      ],
      timeoutMs: 60_000,
      maxOutputBytes: 8 * 1024 * 1024,
    });
    return { stdout: r.stdout, stderr: r.stderr };
  }

  const consoleLines = (stderr: string): string[] => stderr.split('\n').filter((l) => CONSOLE_LINE.test(l));

  it('renders the report: the timeline has one lane per node, the screenshot is a picture, the console is clean', async () => {
    const record = reportFixtureRecord();
    const page = join(dir, `${record.id}.html`);
    await writeFile(page, renderHtmlReport(record));

    const dom = await chromium(page, ['--dump-dom']);
    expect(dom.stdout).to.match(/<svg[^>]*id="timeline"/);
    const svg = /<svg[^>]*id="timeline"[\s\S]*?<\/svg>/.exec(dom.stdout)?.[0] ?? '';
    const lanes = [...svg.matchAll(/<g class="lane" data-node="([^"]+)"/g)].map((m) => m[1]);
    expect(lanes).to.deep.equal(record.nodes.map((n) => n.name));
    expect(svg.match(/<rect class="step /g)?.length).to.be.greaterThan(30);
    expect(dom.stdout, 'the escaped markup stays text').not.to.contain('<script');
    expect(consoleLines(dom.stderr), dom.stderr).to.deep.equal([]);

    const png = join(dir, 'report.png');
    const shot = await chromium(page, [`--screenshot=${png}`]);
    expect(consoleLines(shot.stderr), shot.stderr).to.deep.equal([]);
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8).toString('hex'), 'PNG signature').to.equal('89504e470d0a1a0a');
    expect(bytes.readUInt32BE(16), 'width').to.equal(1200);
    expect(bytes.readUInt32BE(20), 'height').to.equal(900);
    // a blank page compresses to a few KB; tables, text and the coloured chart do not
    expect((await stat(png)).size).to.be.greaterThan(40_000);
  });

  it('would see console errors (control: a page with a failing script)', async () => {
    const page = join(dir, 'bad.html');
    await writeFile(page, '<!DOCTYPE html><html><body><p>x</p><script>console.error("boom"); notDefined();</script></body></html>');
    const { stderr } = await chromium(page, ['--dump-dom']);
    const lines = consoleLines(stderr);
    expect(lines.some((l) => l.includes('boom'))).to.equal(true);
    expect(lines.some((l) => l.includes('Uncaught ReferenceError'))).to.equal(true);
  });
});
