import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabState } from './lab-state.js';

/** Where `lab up` writes the lab's site-wide agent settings (labSiteAgentSettingsYaml). */
export function siteAgentSettingsFile(labDirectory: string): string {
  return join(labDirectory, 'site-agent.yaml');
}

function q(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What `eval "$(npm run -s lab -- env)"` runs: kubectl and gravity (and, on a lab with agents, the
 * checkout's noderoll) pointed at the lab, plus the site settings the README's "Using noderoll on a
 * cluster" asks an operator for: `node_shell NODE CMD…` (ssh root@NODE on a real cluster),
 * NODEROLL_AGENT_SETTINGS, NODEROLL_ETCD_ENDPOINTS and NODEROLL_TARGET_VERSION.
 */
export function labEnvScript(s: LabState, self: { cli: string; node: string }): string {
  const etcd = s.nodes.flatMap((n) => (n.etcdClientUrl ? [n.etcdClientUrl] : [])).join(',');
  const lines = [
    `export KUBECONFIG=${q(s.kubeconfig)} KUBECACHEDIR=${q(s.kubeCacheDir)} NODEROLL_LAB_STATE=${q(join(s.dir, 'gravity-lab-state.json'))} PATH=${q(s.binDir)}:"$PATH"`,
    // NODEROLL_LAB_ID: later `npm run lab -- …` commands in the same shell mean this lab.
    `export NODEROLL_LAB_UPDATE_VERSION=${q(s.packages.update)} NODEROLL_LAB_ID=${q(s.id)}`,
    `export NODEROLL_AGENT_SETTINGS=${q(siteAgentSettingsFile(s.dir))} NODEROLL_ETCD_ENDPOINTS=${q(etcd)} NODEROLL_TARGET_VERSION=${q(s.packages.update)}`,
    `node_shell() { ${q(self.node)} ${q(self.cli)} shell --id ${q(s.id)} "$@"; }`,
  ];
  // A lab with agents has a coordinator config of its own; one without gets the operator's from `noderoll init`.
  const config = join(s.dir, 'noderoll', 'config.yaml');
  if (existsSync(config)) lines.push(`export NODEROLL_CONFIG=${q(config)}`);
  return lines.join('\n') + '\n';
}
