import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';

/**
 * Telling systemd about the agent (sd_notify(3)): READY=1 once it serves, WATCHDOG=1 while its
 * event loop is healthy. Node has no unix datagram sockets, so the message goes through the
 * `systemd-notify` tool, run by the shared command runner. Without --no-block (systemd >= 246)
 * the tool waits until PID 1 has processed the message (a BARRIER=1 round trip), so it is still
 * alive when PID 1 looks up the sender; and as root it sends with the agent's PID (its parent),
 * so the message comes from the unit's main process and NotifyAccess=main accepts it.
 */

/** What systemd handed this process in its environment (sd_notify(3), sd_watchdog_enabled(3)). */
export interface NotifyEnvironment {
  /** NOTIFY_SOCKET: where notifications go. */
  socket: string;
  /** WATCHDOG_USEC in ms, when systemd expects WATCHDOG=1 from this process. */
  watchdogMs: number | undefined;
}

const NOTIFY_VARIABLES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/**
 * Reads the notify variables and removes them from `env`, as sd_notify's unset_environment does:
 * nothing the agent runs (an install's maintainer scripts) inherits them, so no child can ping the
 * watchdog on behalf of a hung agent. Undefined when systemd did not ask for notifications.
 */
export function takeNotifyEnvironment(env: NodeJS.ProcessEnv, pid: number): NotifyEnvironment | undefined {
  const socket = env.NOTIFY_SOCKET;
  const usec = env.WATCHDOG_USEC;
  const watchdogPid = env.WATCHDOG_PID;
  for (const name of NOTIFY_VARIABLES) delete env[name];
  if (!socket) return undefined;
  const forUs = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === pid;
  const watchdogUsec = usec !== undefined && /^\d+$/.test(usec) ? Number(usec) : 0;
  return { socket, watchdogMs: forUs && watchdogUsec > 0 ? Math.floor(watchdogUsec / 1000) : undefined };
}

export interface SystemdNotifyOptions {
  socket: string;
  runner?: CommandRunner;
  /** Program name or path (default `systemd-notify`). */
  binary?: string;
  timeoutMs: number;
}

export class SystemdNotify {
  private readonly run: CommandRunner;
  private readonly binary: string;

  constructor(private readonly o: SystemdNotifyOptions) {
    this.run = o.runner ?? runCommand;
    this.binary = o.binary ?? 'systemd-notify';
  }

  /** Sends assignments such as READY=1 or WATCHDOG=1; rejects with the runner's error. */
  async send(...assignments: string[]): Promise<void> {
    await this.run({
      file: this.binary,
      args: assignments,
      timeoutMs: this.o.timeoutMs,
      // the only child that sees the socket (takeNotifyEnvironment removed it from the agent's environment)
      env: { ...process.env, NOTIFY_SOCKET: this.o.socket },
      maxOutputBytes: 64 * 1024,
    });
  }
}
