import { tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import { FieldError } from '../../shared/validation/field-error.js';
import type { EtcdConfig } from '../config/etcd-config.js';
import { endpointHealthArgv, ETCDCTL_ENV } from './etcdctl-argv.js';
import { parseEndpointHealth, type EtcdMemberHealthResult } from './etcdctl-json.js';

/**
 * CheckEtcdHealth: `etcdctl endpoint health --cluster -w json` with the node's client certificates.
 * etcdctl exits 1 when a member is unhealthy and still prints every member: that is an answer, not a
 * problem. A problem is when no member list could be read (TLS refused, no member reachable).
 */

export interface EtcdHealthResult {
  members: EtcdMemberHealthResult[];
  allHealthy: boolean;
  command: string[];
  problem: string;
}

export async function checkEtcdHealth(c: EtcdConfig, requestedTimeoutMs: number, run: CommandRunner): Promise<EtcdHealthResult> {
  if (!Number.isInteger(requestedTimeoutMs) || requestedTimeoutMs < 0) throw new FieldError('timeout_ms', `${requestedTimeoutMs} must be a non-negative integer`);
  const timeoutMs = requestedTimeoutMs === 0 ? c.timeoutMs : Math.min(requestedTimeoutMs, c.timeoutMs);
  const command = endpointHealthArgv(c, timeoutMs);
  const [file, ...args] = command as [string, ...string[]];
  let stdout = '';
  let stderr = '';
  try {
    const r = await run({ file, args, env: { ...process.env, ...ETCDCTL_ENV }, timeoutMs, okExitCodes: [0, 1], maxOutputBytes: 256 * 1024 });
    stdout = r.stdout;
    stderr = r.stderr;
  } catch (err) {
    return { members: [], allHealthy: false, command, problem: `etcdctl did not answer: ${(err as Error).message}` };
  }
  try {
    const members = parseEndpointHealth(stdout);
    return { members, allHealthy: members.every((m) => m.healthy), command, problem: '' };
  } catch (err) {
    const said = tail(stderr.trim(), 600) || stdout.trim().slice(0, 600);
    return { members: [], allHealthy: false, command, problem: `${(err as Error).message}${said ? `; etcdctl said: ${said}` : ''}` };
  }
}
