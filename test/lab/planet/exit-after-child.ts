import type { ChildProcess } from 'node:child_process';

/**
 * Ends a stand-in that embeds a child (planet's or k3s's etcd): SIGTERM to the child, exit once it
 * has exited, SIGKILL to it after 10 s, so that no child outlives its unit's main process.
 */
export function exitAfterChild(child: ChildProcess | undefined): void {
  if (!child || child.exitCode !== null) process.exit(0);
  child.once('exit', () => process.exit(0));
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
}
