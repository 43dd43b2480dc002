import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Background } from './background.js';
import { sampleProcess, type ProcSample } from './proc.js';

/**
 * One fleet of agents spread over several fleet-simulator processes (bench/fleet-simulator.ts):
 * process p serves agents p·per … p·per+per−1, so the fleet's agent K serves node sim-K whichever
 * process it is in. Every process stops by itself after `maxSeconds`; stop() stops them all.
 */

const SIMULATOR = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fleet-simulator.js');

export interface FleetOptions {
  /** What the progress lines and errors call it, e.g. "mTLS fleet". */
  label: string;
  size: number;
  processes: number;
  /** fleet-simulator --tls-dir: mutual TLS with DIR/sim-K/…; absent: plaintext. */
  tlsDir?: string;
  maxSeconds: number;
  startTimeoutMs: number;
}

export class Fleet {
  /** The agent of node sim-K listens on 127.0.0.1:ports[K]. */
  readonly ports: number[] = [];
  readonly pids: number[] = [];
  startupSeconds = Number.NaN;

  private constructor(private readonly sims: Background[]) {}

  static async start(o: FleetOptions): Promise<Fleet> {
    if (o.size % o.processes !== 0) throw new Error(`${o.label}: ${o.size} agents do not split evenly over ${o.processes} processes`);
    const per = o.size / o.processes;
    const started = Date.now();
    const fleet = new Fleet(
      Array.from(
        { length: o.processes },
        (_, p) =>
          new Background(
            `${o.label} simulator ${p + 1}/${o.processes}`,
            process.execPath,
            [SIMULATOR, String(per), '--first-index', String(p * per), ...(o.tlsDir ? ['--tls-dir', o.tlsDir] : []), '--max-seconds', String(o.maxSeconds)],
            { timeoutMs: (o.maxSeconds + 10) * 1000 },
          ),
      ),
    );
    try {
      // In process order, each with the same deadline from the start (they start side by side).
      for (const sim of fleet.sims) {
        const left = Math.max(1, o.startTimeoutMs - (Date.now() - started));
        const ready = await sim.waitForLine((l) => (l.startsWith('{"ports"') ? (JSON.parse(l) as { ports: number[]; pid: number }) : undefined), left);
        fleet.ports.push(...ready.ports);
        fleet.pids.push(ready.pid);
      }
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    fleet.startupSeconds = (Date.now() - started) / 1000;
    return fleet;
  }

  /** Every simulator process now (undefined for one that is gone). */
  sample(): Promise<(ProcSample | undefined)[]> {
    return Promise.all(this.pids.map((pid) => sampleProcess(pid)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.sims.map((s) => s.stop()));
  }
}
