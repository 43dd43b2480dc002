import { spawn } from 'node:child_process';
import type { LabState } from './lab-state.js';
import { containerInitPid } from './node-machine.js';

/**
 * `npm run lab -- shell NODE [COMMAND…]`: what `ssh root@NODE [COMMAND…]` is on a real cluster. The
 * command runs inside the node (all its namespaces, root, cwd /root) with a fresh environment like an
 * sshd session's, not the host's; stdin, stdout and stderr are the caller's, so bundles and packages can
 * be piped in (`tar -c … | node_shell node-1 tar -x -C /etc/noderoll`). The exit status is the command's.
 *
 * This is the one place the lab passes a terminal or a pipe straight through instead of capturing output
 * with the shared runner: an operator's shell session streams both ways and may run for minutes.
 */

/** sshd's default PATH for root on Debian (no login profile is read for a command). */
const SSH_ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function nodeShellArgv(initPid: number, command: readonly string[]): string[] {
  const env = ['HOME=/root', 'USER=root', 'LOGNAME=root', 'SHELL=/bin/bash', `PATH=${SSH_ROOT_PATH}`, ...(process.env.TERM ? [`TERM=${process.env.TERM}`] : [])];
  const program = command.length > 0 ? command : ['/bin/bash', '-l'];
  return ['-t', String(initPid), '-a', '--', '/usr/bin/env', '-i', '-C', '/root', ...env, ...program];
}

export function runNodeShell(state: LabState, nodeName: string, command: readonly string[]): Promise<number> {
  const node = state.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`lab ${state.id} has no node "${nodeName}" (nodes: ${state.nodes.map((n) => n.name).join(', ')})`);
  if (node.nspawnPid === undefined) throw new Error(`node ${nodeName} of lab ${state.id} is not running`);
  const initPid = containerInitPid(node.nspawnPid, node.name);
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', nodeShellArgv(initPid, command), { stdio: 'inherit' });
    child.on('error', (err) => reject(new Error(`nsenter into node ${nodeName}: ${err.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
