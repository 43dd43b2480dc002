/**
 * Mocha root hook (loaded by .mocharc.cjs `require`): after the whole suite, nothing the tests
 * started may still keep the process alive. Mocha runs without `exit: true`, so a leaked timer,
 * socket, server, child process or gRPC channel would make it hang; this hook names what is left
 * instead and ends the run as failed.
 */

interface HandleLike {
  constructor?: { name?: string };
  fd?: number;
  pid?: number;
  spawnfile?: string;
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  hasRef?: () => boolean;
  address?: () => unknown;
}

/**
 * Time for what is closing already (a child being reaped, a socket's FIN, mocha's reporter) to
 * finish: a process still alive this long after the suite is held open by something.
 */
const SETTLE_MS = 10_000;

function describeHandle(h: HandleLike): string {
  const kind = h.constructor?.name ?? 'handle';
  if (h.pid !== undefined) return `${kind} pid ${h.pid} (${h.spawnfile ?? '?'})`;
  if (h.localPort !== undefined || h.remotePort !== undefined) return `${kind} ${h.localAddress ?? ''}:${h.localPort ?? ''} -> ${h.remoteAddress ?? ''}:${h.remotePort ?? ''}`;
  const address = typeof h.address === 'function' ? h.address() : undefined;
  if (address && typeof address === 'object' && Object.keys(address).length > 0) return `${kind} listening on ${JSON.stringify(address)}`;
  return kind === 'Socket' ? 'Socket (a pipe: a child process\'s stdio?)' : kind;
}

/** What keeps the event loop alive, apart from the process's own stdio. */
export function openHandles(): string[] {
  const getHandles = (process as unknown as { _getActiveHandles(): HandleLike[] })._getActiveHandles;
  const handles = getHandles
    .call(process)
    .filter((h) => !(h.fd !== undefined && h.fd >= 0 && h.fd <= 2))
    .filter((h) => h.hasRef?.() ?? true)
    .map(describeHandle);
  // timers are not handles: count them from the resource list
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate');
  return [...handles, ...timers];
}

export const mochaHooks = {
  afterAll(): void {
    // Unreferenced: the watchdog itself never keeps the process alive, so it can only fire when
    // something else does. Then it names what, and ends the run as failed instead of hanging.
    setTimeout(() => {
      const left = openHandles();
      process.stderr.write(
        `\nopen-handles: the process is still alive ${SETTLE_MS / 1000} s after the suite ended; ` +
          `what keeps mocha from exiting: ${left.length > 0 ? left.join('; ') : '(nothing visible: a native handle)'}\n`,
      );
      // mocha sets the exit code to its failure count in an 'exit' listener: this one runs after it
      process.once('exit', () => {
        process.exitCode = Math.max(1, Number(process.exitCode ?? 0));
      });
      process.exit();
    }, SETTLE_MS).unref();
  },
};
