import { join } from 'node:path';
import { formatCommand } from '../../shared/exec/command-runner.js';
import { NODE_AGENT_CONFIG } from './agent-bundle-config.js';

/**
 * The commands an operator runs to install one node's bundle, in order, from the coordinator's
 * host in the directory that holds the agent package (`npm run package` writes dist/packages/),
 * with root ssh to the node at its InternalIP. The package goes first: installed without a
 * config it leaves the agent stopped (and a config file already there would be a conffile
 * conflict for dpkg); then the bundle (agent.yaml and tls/, modes kept by scp -p: the key 0600,
 * tls/ 0700), a check, and the start.
 */

export const AGENT_PACKAGE_GLOB = 'noderoll-agent_*.deb';
const NODE_CONFIG_DIR = NODE_AGENT_CONFIG.slice(0, NODE_AGENT_CONFIG.lastIndexOf('/'));

export function nodeInstallCommands(node: { internalIp: string }, bundleDir: string): string[] {
  const sshHost = `root@${node.internalIp}`;
  const scpHost = node.internalIp.includes(':') ? `root@[${node.internalIp}]` : sshHost;
  const ssh = (...argv: string[]): string => `${formatCommand('ssh', [sshHost])} ${formatCommand(argv[0]!, argv.slice(1))}`;
  return [
    `scp ${AGENT_PACKAGE_GLOB} ${scpHost}:/tmp/`,
    // Quoted: the glob is the node's to expand.
    `${formatCommand('ssh', [sshHost])} 'dpkg -i /tmp/${AGENT_PACKAGE_GLOB}'`,
    formatCommand('scp', ['-rp', join(bundleDir, 'agent.yaml'), join(bundleDir, 'tls'), `${scpHost}:${NODE_CONFIG_DIR}/`]),
    ssh('noderoll-agent', '--config', NODE_AGENT_CONFIG, '--check-config'),
    ssh('systemctl', 'enable', '--now', 'noderoll-agent'),
  ];
}

export function planCommand(configFile: string): string {
  return formatCommand('noderoll', ['plan', '--config', configFile]);
}
