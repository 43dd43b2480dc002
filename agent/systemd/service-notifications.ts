import type { CommandRunner } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import type { WaitClock } from '../../shared/time/wait-for.js';
import { SystemdNotify, type NotifyEnvironment } from './systemd-notify.js';
import { eventLoopDelaySampler, loopDelayResolutionMs, watchdogMaxLagMs, WatchdogPinger, type LoopDelaySampler } from './watchdog-pinger.js';

/** Deadline of one systemd-notify run; a watchdog ping gets at most half the watchdog period. */
const NOTIFY_TIMEOUT_MS = 10_000;

export interface ServiceNotifications {
  /** The running pinger, when systemd asked for watchdog pings (WatchdogSec=). */
  watchdog: WatchdogPinger | undefined;
  stop(): Promise<void>;
}

export interface ServiceNotificationParts {
  logger: Logger;
  runner?: CommandRunner;
  clock?: WaitClock;
  loopDelay?: LoopDelaySampler;
}

/**
 * Once the agent serves: READY=1 (Type=notify), then WATCHDOG=1 pings while the event loop is
 * healthy. A failed READY=1 is logged, not fatal: systemd's start timeout decides.
 */
export async function startServiceNotifications(env: NotifyEnvironment, p: ServiceNotificationParts): Promise<ServiceNotifications> {
  const timeoutMs = env.watchdogMs ? Math.min(NOTIFY_TIMEOUT_MS, Math.max(1000, Math.floor(env.watchdogMs / 2))) : NOTIFY_TIMEOUT_MS;
  const notify = new SystemdNotify({ socket: env.socket, timeoutMs, ...(p.runner ? { runner: p.runner } : {}) });
  try {
    await notify.send('READY=1');
  } catch (err) {
    p.logger.error({ err: (err as Error).message }, 'could not tell systemd the agent is ready (READY=1)');
  }
  if (!env.watchdogMs) return { watchdog: undefined, stop: async () => undefined };
  const watchdog = new WatchdogPinger({
    ping: () => notify.send('WATCHDOG=1'),
    watchdogMs: env.watchdogMs,
    logger: p.logger,
    loopDelay: p.loopDelay ?? eventLoopDelaySampler(loopDelayResolutionMs(watchdogMaxLagMs(env.watchdogMs))),
    ...(p.clock ? { clock: p.clock } : {}),
  });
  watchdog.start();
  p.logger.info({ watchdogMs: env.watchdogMs, intervalMs: watchdog.intervalMs, maxLagMs: watchdog.maxLagMs }, 'systemd watchdog: pinging while the event loop is responsive');
  return { watchdog, stop: () => watchdog.stop() };
}
