import { ip, inNetns, netnsList, hostLinkNames, hostSysctl } from './host-commands.js';
import type { LabIdentity, NodeNames } from './lab-identity.js';

/**
 * Lab networking that cannot leave the machine: every node lives in its own network namespace
 * with a 127.x /30 veth link to the host (route_localnet on both ends) and a second veth into a
 * bridge namespace shared by all nodes (etcd peer traffic).
 */

const BRIDGE = 'br0';

async function enableRouteLocalnet(netns: string | null, ifname: string): Promise<void> {
  const key = `net.ipv4.conf.${ifname}.route_localnet=1`;
  if (netns) await inNetns(netns, 'sysctl', ['-qw', key]);
  else await hostSysctl(key);
}

export async function createBridge(lab: LabIdentity): Promise<void> {
  const ns = lab.bridgeNetns;
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'link', 'add', BRIDGE, 'type', 'bridge']);
  await ip(['-n', ns, 'link', 'set', BRIDGE, 'up']);
}

export async function createNodeNetwork(lab: LabIdentity, node: NodeNames): Promise<void> {
  const ns = node.netns;
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);

  // Link to the host.
  await ip(['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', node.nodeVethTmp]);
  await ip(['link', 'set', node.nodeVethTmp, 'netns', ns]);
  await ip(['-n', ns, 'link', 'set', node.nodeVethTmp, 'name', 'eth0']);
  await ip(['addr', 'add', `${node.hostAddress}/30`, 'dev', node.hostVeth]);
  await ip(['-n', ns, 'addr', 'add', `${node.nodeAddress}/30`, 'dev', 'eth0']);
  await enableRouteLocalnet(null, node.hostVeth);
  await enableRouteLocalnet(ns, 'eth0');
  await ip(['link', 'set', node.hostVeth, 'up']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);

  // Port on the node-to-node bridge.
  await ip(['link', 'add', node.bridgePort, 'type', 'veth', 'peer', 'name', node.bridgeVethTmp]);
  await ip(['link', 'set', node.bridgePort, 'netns', lab.bridgeNetns]);
  await ip(['-n', lab.bridgeNetns, 'link', 'set', node.bridgePort, 'master', BRIDGE]);
  await ip(['-n', lab.bridgeNetns, 'link', 'set', node.bridgePort, 'up']);
  await ip(['link', 'set', node.bridgeVethTmp, 'netns', ns]);
  await ip(['-n', ns, 'link', 'set', node.bridgeVethTmp, 'name', 'eth1']);
  await ip(['-n', ns, 'addr', 'add', `${node.bridgeAddress}/24`, 'dev', 'eth1']);
  await enableRouteLocalnet(ns, 'eth1');
  await ip(['-n', ns, 'link', 'set', 'eth1', 'up']);
}

/**
 * Removes every namespace and host link whose name carries this lab's id. Deleting a namespace
 * destroys the veths inside it, and with them their peers on the host; leftover host links from
 * a half-built node are removed explicitly.
 */
export async function removeLabNetwork(lab: LabIdentity): Promise<string[]> {
  const problems: string[] = [];
  for (const ns of await netnsList()) {
    if (!ns.startsWith(lab.netnsPrefix)) continue;
    await ip(['netns', 'del', ns]).catch((e: Error) => problems.push(e.message));
  }
  // Peers of deleted namespaces' veths vanish asynchronously: a link gone by now is not a problem.
  for (const link of await hostLinkNames()) {
    if (!link.startsWith(lab.linkPrefix)) continue;
    const r = await ip(['link', 'del', link], [0, 1, 2]);
    if (r.exitCode !== 0 && !linkAlreadyGone(r.stderr)) problems.push(`ip link del ${link}: ${r.stderr.trim()}`);
  }
  return problems;
}

/**
 * `ip link del` of a link that vanished (its namespace's veth peer) since it was listed: ip's own
 * lookup says "Cannot find device" (exit 1); gone between that lookup and the delete, the kernel's
 * answer is "RTNETLINK answers: No such device" (exit 2).
 */
export function linkAlreadyGone(stderr: string): boolean {
  return /Cannot find device|RTNETLINK answers: No such device/.test(stderr);
}

export async function labNetworkLeftovers(lab: LabIdentity): Promise<string[]> {
  const ns = (await netnsList()).filter((n) => n.startsWith(lab.netnsPrefix)).map((n) => `netns ${n}`);
  const links = (await hostLinkNames()).filter((l) => l.startsWith(lab.linkPrefix)).map((l) => `link ${l}`);
  return [...ns, ...links];
}
