/**
 * libfaketime on the host (Debian package libfaketime, installed by scripts/dev): a program started
 * with this environment sees its wall clock (time(), gettimeofday, CLOCK_REALTIME) shifted by
 * `offsetMs`, as a machine whose clock is that far off would; monotonic clocks are untouched.
 * The thread-safe variant, because Node is multi-threaded.
 */
export const HOST_LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

export function skewedClockEnv(offsetMs: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!Number.isInteger(offsetMs / 1000)) throw new Error(`skewedClockEnv: ${offsetMs} must be whole seconds`);
  const seconds = offsetMs / 1000;
  return { ...base, LD_PRELOAD: HOST_LIBFAKETIME, FAKETIME: `${seconds >= 0 ? '+' : ''}${seconds}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}
