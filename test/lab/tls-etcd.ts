import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { etcdHostClientFiles, type EtcdClientFiles } from './etcd-pki.js';

/** Host-side etcdctl against a lab's etcd that requires TLS client certificates (kubeadm and k3s labs). */

/** Host etcdctl (API v3) against the given endpoints; `client` undefined: without a client certificate. */
export function hostEtcdctl(endpoints: readonly string[], client: EtcdClientFiles | undefined, cacert: string, args: string[], okExitCodes = [0]): Promise<CommandResult> {
  const tls = client ? [`--cacert=${client.cacert}`, `--cert=${client.cert}`, `--key=${client.key}`] : [`--cacert=${cacert}`];
  return runCommand({
    file: 'etcdctl',
    args: [`--endpoints=${endpoints.join(',')}`, ...tls, '--dial-timeout=2s', '--command-timeout=3s', ...args],
    env: { ...process.env, ETCDCTL_API: '3' },
    timeoutMs: 20_000,
    okExitCodes,
  });
}

/** Where a lab keeps its etcd PKI (kubeadm and k3s labs). */
export function labEtcdPkiDir(labDir: string): string {
  return join(labDir, 'etcd-pki');
}

/** The host's etcd client files of a kubeadm or k3s lab, by the lab's directory. */
export function labEtcdClientFiles(labDir: string): EtcdClientFiles {
  return etcdHostClientFiles(labEtcdPkiDir(labDir));
}

/** One member's health over TLS with the host's client certificate (lab status of a kubeadm or k3s lab). */
export async function tlsMemberHealthy(url: string, client: EtcdClientFiles): Promise<boolean> {
  const r = await hostEtcdctl([url], client, client.cacert, ['endpoint', 'health', '-w', 'json'], [0, 1]).catch(() => undefined);
  try {
    return (JSON.parse(r?.stdout ?? '') as { health: boolean }[])[0]?.health === true;
  } catch {
    return false;
  }
}

/** Waits until every member answers `endpoint health` over TLS with the host's healthcheck certificate. */
export async function waitTlsEtcdHealthy(endpoints: readonly string[], client: EtcdClientFiles, timeoutMs: number, what: string): Promise<void> {
  await waitFor({ what: `etcd healthy (TLS client auth) on every control-plane node of ${what}`, timeoutMs, initialDelayMs: 300, maxDelayMs: 1500 }, async () => {
    const r = await hostEtcdctl(endpoints, client, client.cacert, ['endpoint', 'health', '-w', 'json'], [0, 1]);
    let members: { endpoint: string; health: boolean; error?: string }[] = [];
    try {
      members = JSON.parse(r.stdout) as typeof members;
    } catch {
      return notYet(`etcdctl: ${r.stderr.trim().split('\n').pop() ?? 'no output'}`);
    }
    const bad = members.filter((m) => !m.health).map((m) => `${m.endpoint} (${m.error ?? 'unhealthy'})`);
    return bad.length === 0 && members.length === endpoints.length ? ready(undefined) : notYet(`unhealthy: ${bad.join(', ')}`);
  });
}

/**
 * Writes the API objects the lab's API server holds into the kubeadm or k3s lab's etcd, under kube-apiserver's
 * key layout (/registry/<resource>/[<namespace>/]<name>), so etcd carries a cluster's state as on a real
 * control plane and a snapshot of it has data and a revision. The lab's API server is a fixture that does
 * not use etcd: these keys are a copy taken once at lab start (JSON where kube-apiserver writes protobuf),
 * not kept in step with later changes.
 */
export async function seedEtcdWithApiObjects(endpoints: readonly string[], client: EtcdClientFiles, objects: readonly { resource: string; namespace?: string; name: string; json: string }[]): Promise<void> {
  for (const o of objects.slice(0, 200)) {
    const key = `/registry/${o.resource}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
    await hostEtcdctl(endpoints, client, client.cacert, ['put', key, o.json]);
  }
}
