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
    const direct = await this.kubectl.directApi();
    this.onChosen(direct.how);
    return direct.client ? new KubeHttpObjectAccess(direct.client) : new KubectlObjectAccess(this.kubectl);
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
