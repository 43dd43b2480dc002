import { expect } from 'chai';
import { ProgressView } from '../../../coordinator/cli/reporter.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';

const NODES = [
  { name: 'm1', role: 'master' as const },
  { name: 'w1', role: 'node' as const },
  { name: 'w2', role: 'node' as const },
];
const POOLS = 'pools:\n  - { name: masters, selector: "gravitational.io/k8s-role=master" }\n  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: 2 }';

/** The node lines of the last redraw of the view (one per node, `▶` when running). */
function lastView(written: string[]): string[] {
  const draws = written.join('').split(/\x1b\[\d+A\r\x1b\[J/);
  return (draws.at(-1) ?? '').split('\n').filter((l) => /^ {2}\S /.test(l));
}

describe('TTY progress view with several nodes in flight', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('shows both workers running at once, and no node still running once the operation halted', async () => {
    h = await makeHarness({ nodes: NODES, configExtra: POOLS });
    h.world.node('w1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await h.run()).to.equal('halted');
    const written: string[] = [];
    const view = new ProgressView({ write: (c) => (written.push(c), true), isTTY: true, columns: 200 }, { write: () => true });
    let bothRunning = false;
    try {
      for (const e of h.events) {
        view.event(e);
        const running = lastView(written).filter((l) => l.includes('▶')).map((l) => l.trim().split(/\s+/)[1]);
        if (running.includes('w1') && running.includes('w2')) bothRunning = true;
      }
    } finally {
      view.close();
    }
    expect(bothRunning, 'w1 and w2 shown running together').to.equal(true);
    const final = lastView(written);
    expect(final.filter((l) => l.includes('▶')), final.join('\n')).to.deep.equal([]);
    expect(final.find((l) => l.includes(' w1 '))).to.contain('✗');
  });
});
