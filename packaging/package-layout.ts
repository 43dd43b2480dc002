import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AGENT_PROTO_FILE } from '../shared/agent-api/proto.js';
import { defaultAgentYaml } from './default-agent-config.js';

/**
 * The installed layout, the same in the .deb, the .rpm and the tarball (install.sh):
 *   /usr/bin/noderoll-agent, /lib/systemd/system/noderoll-agent.service, /etc/noderoll/tls/ (0700,
 *   empty), /var/lib/noderoll-agent/ (0700) and the commented defaults in
 *   /usr/share/noderoll-agent/agent.yaml, which the install copies to /etc/noderoll/agent.yaml only
 *   when that file is absent. Not a dpkg conffile on purpose: an operator copies a node's bundle
 *   (agent.yaml, TLS files) first and installs after, and dpkg would stop at a conffile prompt for
 *   an agent.yaml it did not write (or, non-interactive, fail).
 */

export const AGENT_BIN = '/usr/bin/noderoll-agent';
export const AGENT_UNIT_FILE = '/lib/systemd/system/noderoll-agent.service';
export const AGENT_CONFIG = '/etc/noderoll/agent.yaml';
export const AGENT_DEFAULT_CONFIG = '/usr/share/noderoll-agent/agent.yaml';
export const AGENT_TLS_DIR = '/etc/noderoll/tls';
export const AGENT_STATE_DIR = '/var/lib/noderoll-agent';
export const AGENT_DOC_DIR = '/usr/share/doc/noderoll-agent';

/** Every path the layout holds, with its mode: what the package lists check. */
export const LAYOUT: readonly { path: string; kind: 'file' | 'dir'; mode: number }[] = [
  { path: AGENT_BIN, kind: 'file', mode: 0o755 },
  { path: AGENT_UNIT_FILE, kind: 'file', mode: 0o644 },
  { path: AGENT_DEFAULT_CONFIG, kind: 'file', mode: 0o644 },
  { path: AGENT_TLS_DIR, kind: 'dir', mode: 0o700 },
  { path: AGENT_STATE_DIR, kind: 'dir', mode: 0o700 },
  { path: `${AGENT_DOC_DIR}/copyright`, kind: 'file', mode: 0o644 },
  { path: `${AGENT_DOC_DIR}/README.md`, kind: 'file', mode: 0o644 },
  { path: `${AGENT_DOC_DIR}/agent.proto`, kind: 'file', mode: 0o644 },
];

/** Writes the layout under root (a staging directory). */
export async function stageLayout(root: string, o: { projectRoot: string; binary: string }): Promise<void> {
  const put = async (path: string, mode: number, content: string | Buffer | { copyFrom: string }): Promise<void> => {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    if (typeof content === 'object' && 'copyFrom' in content) await copyFile(content.copyFrom, target);
    else await writeFile(target, content);
    await chmod(target, mode);
  };
  await put(AGENT_BIN, 0o755, { copyFrom: o.binary });
  await put(AGENT_UNIT_FILE, 0o644, { copyFrom: join(o.projectRoot, 'systemd/noderoll-agent.service') });
  await put(AGENT_DEFAULT_CONFIG, 0o644, defaultAgentYaml());
  await put(`${AGENT_DOC_DIR}/copyright`, 0o644, await copyrightText(o.projectRoot));
  // The unit's Documentation=: what the agent is and does, and the whole of its API.
  await put(`${AGENT_DOC_DIR}/README.md`, 0o644, { copyFrom: join(o.projectRoot, 'agent/README.md') });
  await put(`${AGENT_DOC_DIR}/agent.proto`, 0o644, { copyFrom: AGENT_PROTO_FILE });
  for (const dir of [AGENT_TLS_DIR, AGENT_STATE_DIR]) {
    await mkdir(dirname(join(root, dir)), { recursive: true, mode: 0o755 });
    await mkdir(join(root, dir), { mode: 0o700 });
  }
}

async function copyrightText(projectRoot: string): Promise<string> {
  const license = await readFile(join(projectRoot, 'LICENSE'), 'utf8');
  return `noderoll-agent: the node agent of noderoll, Apache-2.0.\nThe binary embeds Node.js (MIT license, https://nodejs.org) and the npm packages the agent uses.\n\n${license}`;
}
