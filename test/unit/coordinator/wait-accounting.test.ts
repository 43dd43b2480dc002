import { expect } from 'chai';
import { WaitAccounting } from '../../../coordinator/engine/wait-accounting.js';
import { FakeClock } from './fakes/fake-clock.js';

describe('WaitAccounting (virtual clock)', () => {
  it('counts overlapping external calls once (their union) and leaves the time between them out', async () => {
    const clock = new FakeClock(0);
    const accounting = new WaitAccounting(clock);
    let releaseA!: () => void;
    let releaseB!: () => void;
    const a = accounting.track(() => new Promise<void>((r) => (releaseA = r)));
    clock.advance(50);
    const b = accounting.track(() => new Promise<void>((r) => (releaseB = r)));
    clock.advance(50);
    releaseA();
    await a;
    clock.advance(50);
    releaseB();
    await b; // a ran 0..100, b 50..150: 150 ms of waiting, not 200
    expect(accounting.waitingMs()).to.equal(150);
    clock.advance(30); // the coordinator's own work: not waiting
    expect(accounting.waitingMs()).to.equal(150);
    const sleepy = accounting.wrapClock(clock);
    await sleepy.sleep(20);
    expect(accounting.waitingMs(), 'sleeps of the wrapped clock are waiting').to.equal(170);
  });

  it('counts the time of every promise-returning method of a wrapped object, and a wait still in flight', async () => {
    const clock = new FakeClock(0);
    const accounting = new WaitAccounting(clock);
    let release!: () => void;
    const port = accounting.wrap({
      slow: () => new Promise<string>((r) => (release = () => r('done'))),
      name: () => 'sync',
    });
    expect(port.name(), 'synchronous methods stay synchronous').to.equal('sync');
    const pending = port.slow();
    clock.advance(40);
    expect(accounting.waitingMs(), 'in flight').to.equal(40);
    release();
    expect(await pending).to.equal('done');
    clock.advance(10);
    expect(accounting.waitingMs()).to.equal(40);
  });
});
