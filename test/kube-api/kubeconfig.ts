import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A kubeconfig for a plain-HTTP test API server: one cluster, one empty user, one context.
 * Written as YAML that kubectl reads; returns the file's path (DIR/config).
 */
export async function writeKubeconfig(dir: string, serverUrl: string, fileName = 'config'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, fileName);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: noderoll-test',
    '  cluster:',
    `    server: ${JSON.stringify(serverUrl)}`,
    'users:',
    '- name: noderoll-test',
    '  user: {}',
    'contexts:',
    '- name: noderoll-test',
    '  context:',
    '    cluster: noderoll-test',
    '    user: noderoll-test',
    'current-context: noderoll-test',
    'preferences: {}',
    '',
  ].join('\n');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

/**
 * A fresh kubectl cache directory (KUBECACHEDIR / --cache-dir). kubectl caches version and
 * discovery per host:port for hours, so every test server needs its own.
 */
export function makeKubectlCacheDir(parent = tmpdir()): Promise<string> {
  return mkdtemp(join(parent, 'noderoll-kubecache-'));
}
