import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../shared/exec/command-runner.js';
import { scriptBody } from './maintainer-scripts.js';
import { AGENT_BIN, AGENT_DEFAULT_CONFIG, AGENT_DOC_DIR, AGENT_STATE_DIR, AGENT_TLS_DIR, AGENT_UNIT_FILE } from './package-layout.js';

/**
 * noderoll-agent-<version>-1.x86_64.rpm, built with rpmbuild from the staged layout (when rpmbuild
 * is installed: Debian's `rpm` package has it). rpm has no purge: `rpm -e` keeps agent.yaml, the TLS
 * files and the state (none of them owned by the package).
 */

export function rpmFileName(version: string): string {
  return `noderoll-agent-${rpmVersion(version)}-1.x86_64.rpm`;
}

/** rpm versions cannot hold "-"; a pre-release "1.2.0-rc.1" becomes "1.2.0~rc.1" (sorts before 1.2.0). */
export function rpmVersion(version: string): string {
  return version.replace(/-/g, '~');
}

export async function rpmbuildAvailable(): Promise<boolean> {
  try {
    await runCommand({ file: 'rpmbuild', args: ['--version'], timeoutMs: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export async function rpmSpec(o: { projectRoot: string; version: string; stageRoot: string }): Promise<string> {
  const [post, preun, postun] = await Promise.all([scriptBody(o.projectRoot, 'rpm-post'), scriptBody(o.projectRoot, 'rpm-preun'), scriptBody(o.projectRoot, 'rpm-postun')]);
  return `Name: noderoll-agent
Version: ${rpmVersion(o.version)}
Release: 1
Summary: noderoll node agent: node-update runbook operations over gRPC
License: Apache-2.0
BuildArch: x86_64
Requires: glibc >= 2.28, libstdc++ >= 5.2, systemd
AutoReqProv: no

%description
The node-local half of noderoll, which patches and reboots on-prem Kubernetes nodes one at a time.
Self-contained (a Node.js single executable application): needs no Node.js on the node.
Starts only once /etc/noderoll/agent.yaml and the TLS files in /etc/noderoll/tls/ are valid.

%global __strip /bin/true
%global debug_package %{nil}
%global __brp_strip /bin/true
%global _build_id_links none

%install
cp -a ${o.stageRoot}/. %{buildroot}/

%files
%attr(0755,root,root) ${AGENT_BIN}
%attr(0644,root,root) ${AGENT_UNIT_FILE}
%dir %attr(0755,root,root) /etc/noderoll
%attr(0644,root,root) ${AGENT_DEFAULT_CONFIG}
%dir %attr(0700,root,root) ${AGENT_TLS_DIR}
%dir %attr(0700,root,root) ${AGENT_STATE_DIR}
%doc %attr(0644,root,root) ${AGENT_DOC_DIR}/copyright
%doc %attr(0644,root,root) ${AGENT_DOC_DIR}/README.md
%doc %attr(0644,root,root) ${AGENT_DOC_DIR}/agent.proto

%post
${post}
%preun
${preun}
%postun
${postun}`;
}

export async function buildRpm(o: { projectRoot: string; stageRoot: string; workDir: string; version: string; outFile: string }): Promise<void> {
  const specFile = join(o.workDir, 'noderoll-agent.spec');
  await mkdir(o.workDir, { recursive: true });
  await writeFile(specFile, await rpmSpec(o));
  await runCommand({
    file: 'rpmbuild',
    args: ['-bb', '--define', `_topdir ${o.workDir}`, '--define', '_binary_payload w6.xzdio', specFile],
    timeoutMs: 600_000,
  });
  const dir = join(o.workDir, 'RPMS/x86_64');
  const built = (await readdir(dir)).find((f) => f.endsWith('.rpm'));
  if (!built) throw new Error(`rpmbuild wrote no package into ${dir}`);
  await rename(join(dir, built), o.outFile);
}
