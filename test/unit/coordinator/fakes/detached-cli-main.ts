import { runCli } from '../../../../coordinator/cli/run-cli.js';
import { THREE_NODES } from './engine-harness.js';
import { FakeClock } from './fake-clock.js';
import { FakeWorld } from './fake-world.js';
import { fakeCliEnv } from './cli-env.js';

/**
 * The coordinator a test's `--detach` starts as a real detached process: the real CLI in a process
 * of its own over a fake cluster of THREE_NODES (its own fake clock), with its output on stdout.
 */
const world = new FakeWorld(new FakeClock(), THREE_NODES);
const io = fakeCliEnv(world.clock, world);
io.env.stdout = process.stdout;
io.env.stderr = process.stderr;
io.env.env = process.env;
io.env.pid = process.pid;
process.exitCode = await runCli(process.argv.slice(2), io.env);
