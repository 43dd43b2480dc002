import { silentLogger } from '../../../../shared/log/logger.js';
import type { CliEnvironment, Services } from '../../../../coordinator/cli/services.js';
import { AgentsReachableGate, EtcdHealthGate, GravityStatusGate, NodesReadyGate, PodsRunningGate } from '../../../../coordinator/gates/cluster-gates.js';
import { FileStateStore } from '../../../../coordinator/state/file-state-store.js';
import type { FakeClock } from './fake-clock.js';
import type { FakeWorld } from './fake-world.js';

export interface CapturedEnv {
  env: CliEnvironment;
  stdout: string[];
  stderr: string[];
  servicesMade: number;
  out(): string;
  err(): string;
}

/** A CLI environment over the fake world: captured output, no terminal, fake clock. */
export function fakeCliEnv(clock: FakeClock, world: FakeWorld | undefined, options: { tty?: boolean; answers?: string[] } = {}): CapturedEnv {
  const captured: CapturedEnv = {
    stdout: [],
    stderr: [],
    servicesMade: 0,
    out: () => captured.stdout.join(''),
    err: () => captured.stderr.join(''),
    env: undefined as unknown as CliEnvironment,
  };
  const answers = [...(options.answers ?? [])];
  captured.env = {
    stdout: { write: (s: string) => (captured.stdout.push(s), true), isTTY: false },
    stderr: { write: (s: string) => (captured.stderr.push(s), true) },
    stdinIsTTY: options.tty ?? false,
    readLine: async () => answers.shift(),
    clock,
    env: {},
    pid: process.pid,
    host: 'test-host',
    randomId: () => 'cli001',
    onSignal: () => () => undefined,
    makeServices: (config): Services => {
      captured.servicesMade++;
      if (!world) throw new Error('no fake world: this test must not build services');
      const names = config.nodes.map((n) => n.name);
      return {
        cluster: world.cluster,
        gates: [
          new GravityStatusGate(world.gravity),
          new EtcdHealthGate(world.etcd),
          new PodsRunningGate(world.cluster),
          new NodesReadyGate(world.cluster, names),
          new AgentsReachableGate(names.map((n) => ({ endpoint: { node: n, address: `${n}:7443` }, agent: world.agent(n) })), 1000, clock),
        ],
        backup: world.backup,
        store: new FileStateStore({ file: config.state.file, historyLimit: config.state.history, now: () => clock.now(), host: 'test-host' }),
        agent: (node) => world.agent(node),
        close: () => undefined,
      };
    },
    openLog: () => silentLogger,
    abortPollMs: 0,
    exitNow: (code) => {
      throw new Error(`exitNow(${code})`);
    },
  };
  return captured;
}
