import { readKubeApiEndpoint, type EndpointReading } from '../cluster/kube-api-endpoint.js';
import { KubeHttpClient } from '../cluster/kube-http-client.js';
import type { KubectlClient } from '../cluster/kubectl.js';
import { KubeHttpObjectAccess } from './kube-http-object-access.js';
import { KubectlObjectAccess, type KubeObject, type KubeObjectAccess } from './kube-object-access.js';

/**
 * Chooses, on first use, how the state store talks to the API server: directly over kept-alive HTTPS when
 * kubectl's own view of the kubeconfig context has only static credentials and no proxy (a save then costs
 * two requests instead of two kubectl processes), else through kubectl, which knows every plugin and proxy.
 * Either way the same kubeconfig, context and identity, so RBAC and the API server's answers are the same.
 */
export class AutoKubeObjectAccess implements KubeObjectAccess {
  private chosen: Promise<KubeObjectAccess> | undefined;

  constructor(
    private readonly kubectl: KubectlClient,
    private readonly onChosen: (how: string) => void = () => undefined,
  ) {}

  private access(): Promise<KubeObjectAccess> {
    this.chosen ??= this.choose();
    return this.chosen;
  }

  private async choose(): Promise<KubeObjectAccess> {
    const reading = await this.readEndpoint();
    if ('kubectlOnly' in reading) {
      this.onChosen(`through kubectl: ${reading.kubectlOnly}`);
      return new KubectlObjectAccess(this.kubectl);
    }
    const direct = new KubeHttpObjectAccess(new KubeHttpClient(reading.endpoint, this.kubectl.callTimeoutMs));
    this.onChosen(`directly to ${await direct.describe()} with the kubeconfig context's credentials`);
    return direct;
  }

  private async readEndpoint(): Promise<EndpointReading> {
    try {
      const view = await this.kubectl.call(['config', 'view', '--minify', '--flatten', '--raw', '-o', 'json']);
      return readKubeApiEndpoint(view.stdout, this.kubectl.environment);
    } catch (err) {
      return { kubectlOnly: `kubectl config view failed (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  async describe(): Promise<string> {
    return (await this.access()).describe();
  }

  async get<T extends KubeObject>(resource: 'lease' | 'configmap', name: string, namespace: string): Promise<T | undefined> {
    return (await this.access()).get<T>(resource, name, namespace);
  }

  async create<T extends KubeObject>(object: T): Promise<T> {
    return (await this.access()).create(object);
  }

  async replace<T extends KubeObject>(object: T): Promise<T> {
    return (await this.access()).replace(object);
  }
}
