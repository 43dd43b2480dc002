import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The package scripts are shell files under packaging/scripts/: agent-service.sh holds what they
 * do to the service (start only when configured, try-restart on upgrade, stop on removal, purge),
 * each script file says when. A generated script is the shared functions followed by its own part.
 */

export type ScriptName = 'deb-postinst' | 'deb-prerm' | 'deb-postrm' | 'rpm-post' | 'rpm-preun' | 'rpm-postun' | 'install';

export function scriptsDir(projectRoot: string): string {
  return join(projectRoot, 'packaging/scripts');
}

/** The functions and the part of one script, without a #! line (rpm scriptlets take them like this). */
export async function scriptBody(projectRoot: string, name: ScriptName): Promise<string> {
  const [shared, own] = await Promise.all([readFile(join(scriptsDir(projectRoot), 'agent-service.sh'), 'utf8'), readFile(join(scriptsDir(projectRoot), `${name}.sh`), 'utf8')]);
  return `set -e\n\n${shared}\n${own}`;
}

/** A complete executable script. */
export async function shellScript(projectRoot: string, name: ScriptName): Promise<string> {
  return `#!/bin/sh\n# noderoll-agent ${name} (generated from packaging/scripts/ by packaging/maintainer-scripts.ts)\n${await scriptBody(projectRoot, name)}`;
}
