import { expect } from 'chai';
import { AgentMetrics, type MetricsSources } from '../../../agent/http/agent-metrics.js';
import type { UnitState } from '../../../agent/systemd/show-parser.js';

/** A host whose systemctl answers only when the test says so. */
function slowHost(): { src: MetricsSources; answer: (units: UnitState[]) => void; asked: () => number } {
  let asked = 0;
  let pending: ((units: UnitState[]) => void)[] = [];
  const src: MetricsSources = {
    agentVersion: '0.1.0',
    node: 'n1',
    machineId: 'm',
    bootId: 'b',
    bootTimeUnixMs: 0,
    watchedUnits: () => {
      asked++;
      return new Promise<UnitState[]>((resolve) => pending.push(resolve));
    },
    failedUnits: async () => [],
    watchedPackages: async () => [],
    currentOperation: () => undefined,
    updatePhase: () => undefined,
  };
  const answer = (units: UnitState[]): void => {
    const waiting = pending;
    pending = [];
    for (const resolve of waiting) resolve(units);
  };
  return { src, answer, asked: () => asked };
}

const unit = (activeState: string): UnitState => ({ name: 'planet-master.service', loadState: 'loaded', activeState, subState: activeState === 'active' ? 'running' : 'dead', unitFileState: 'enabled', description: 'planet', mainPid: 0 });
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const activeLine = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('noderoll_agent_unit_state{') && l.includes('state="active"'));

describe('agent metrics: host state sampled in the background', () => {
  it('the first scrape waits for a sample; later scrapes never wait on systemctl, they serve the last sample and refresh it behind', async () => {
    const host = slowHost();
    const metrics = new AgentMetrics(host.src, 0);
    const first = metrics.text();
    await settle();
    host.answer([unit('active')]);
    expect(activeLine(await first)).to.match(/ 1$/);

    // systemctl now hangs: the scrape still answers at once, from the last sample, and starts one new sample
    const stalled = await Promise.race([metrics.text(), new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 500))]);
    expect(stalled, 'a scrape waited on systemctl').to.not.equal('stalled');
    expect(activeLine(stalled as string)).to.match(/ 1$/);
    await metrics.text();
    expect(host.asked(), 'one sample at a time').to.equal(2);

    // the background sample finishes: the next scrape shows it
    host.answer([unit('inactive')]);
    await settle();
    await settle();
    expect(activeLine(await metrics.text())).to.match(/ 0$/);
  });
});
