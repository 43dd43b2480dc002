/**
 * noderoll's exit codes. Scripts can rely on them; `noderoll --help` prints this table.
 */
export const ExitCode = {
  /** Done: the command did what it was asked (update completed, check passed, …). */
  ok: 0,
  /** The operation halted on a failed step; the node being worked on is left cordoned; resumable. `status`: the last operation halted. */
  halted: 1,
  /** Bad command line or config (unknown flag, bad value, invalid field); nothing was executed. */
  usage: 2,
  /** The cluster is not healthy enough: a gate or a preflight check failed (`check`, `plan`, `update` refused to start). */
  notHealthy: 3,
  /**
   * Stopped at a safe point, resumable, nothing failed: on request (Ctrl-C, `noderoll abort`, a declined
   * confirmation) or, with --until-window-end, because the next node does not fit in a maintenance window
   * (`status`: waiting-for-window). Not 0: the update is not done, and a script that reads 0 as "all nodes
   * updated" must not be told so; not 1: nothing is broken and no node is out of service.
   */
  interrupted: 4,
  /** Conflict with the state: another coordinator holds the lock, an unfinished operation exists, or nothing to resume/abort. */
  conflict: 5,
  /** An unexpected error (a bug, or the state could not be written). */
  internal: 70,
  /** Killed by a third Ctrl-C; the state saved before the current step stands. */
  killed: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0    success (update completed, check passed, plan preflight passed, abort requested, hold set or released)
  1    the operation halted on a failed step; the node is left cordoned; run the printed resume command
  2    invalid command line or config: the error names the flag or field; nothing was executed
  3    the cluster is not healthy: a gate or preflight check failed (update refused to start)
  4    stopped at a safe point, resumable, nothing failed: on request (Ctrl-C, noderoll abort, declined
       confirmation), or waiting for a maintenance window (--until-window-end); resume continues
  5    conflict: another coordinator holds the lock, an unfinished operation exists, nothing to resume
  70   unexpected error
  130  stopped by a third Ctrl-C (state saved before the running step; resume re-reads reality)`;
