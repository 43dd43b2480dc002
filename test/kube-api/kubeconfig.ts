import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a kubeconfig's user authenticates to the secure (HTTPS) port; kubectl sends tokens over TLS only. */
export interface KubeconfigCredentials {
  token: string;
  /** PEM of the CA that signed the server's certificate. */
  certificateAuthority: string;
}

/**
 * A kubeconfig for a test API server: one cluster, one user, one context. Without credentials
 * the user is empty (the plain-HTTP port, where a request without a token is the admin); with
 * them, the user presents a bearer token to the HTTPS port. Written as YAML that kubectl reads;
 * returns the file's path (DIR/config).
 */
export async function writeKubeconfig(dir: string, serverUrl: string, fileName = 'config', credentials?: KubeconfigCredentials): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, fileName);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: noderoll-test',
    '  cluster:',
    `    server: ${JSON.stringify(serverUrl)}`,
    ...(credentials ? [`    certificate-authority-data: ${Buffer.from(credentials.certificateAuthority).toString('base64')}`] : []),
    'users:',
    '- name: noderoll-test',
    ...(credentials ? ['  user:', `    token: ${JSON.stringify(credentials.token)}`] : ['  user: {}']),
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
