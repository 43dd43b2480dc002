import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';

/** Short-hands over the shared runner for the host tools the lab drives. */

export function ip(args: string[], okExitCodes?: number[]): Promise<CommandResult> {
  return runCommand({ file: 'ip', args, timeoutMs: 15_000, ...(okExitCodes ? { okExitCodes } : {}) });
}

export function inNetns(netns: string, file: string, args: string[]): Promise<CommandResult> {
  return runCommand({ file: 'ip', args: ['netns', 'exec', netns, file, ...args], timeoutMs: 15_000 });
}

export async function netnsList(): Promise<string[]> {
  const r = await ip(['-j', 'netns', 'list']);
  if (!r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name);
}

export async function hostLinkNames(): Promise<string[]> {
  const r = await ip(['-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

export async function hostIPv4Addresses(): Promise<string[]> {
  const r = await ip(['-j', '-4', 'addr', 'show']);
  const links = JSON.parse(r.stdout) as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter(Boolean);
}

export async function hostSysctl(assignment: string): Promise<void> {
  await runCommand({ file: 'sysctl', args: ['-qw', assignment], timeoutMs: 5000 });
}
