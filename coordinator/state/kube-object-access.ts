import { CommandError, tail, type CommandResult } from '../../shared/exec/command-runner.js';
import { parseJsonDocument } from '../cluster/kube-objects.js';
import type { KubectlClient } from '../cluster/kubectl.js';

/** The parts of an API object the state store reads and writes (a Lease or a ConfigMap). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** The API server's reason in kubectl's "Error from server (Reason): …" line. */
export type KubeWriteRefusal = 'Conflict' | 'AlreadyExists' | 'NotFound';

export class KubeWriteRefusedError extends Error {
  constructor(
    readonly reason: KubeWriteRefusal,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'KubeWriteRefusedError';
  }
}

/** Matches only kubectl's own line for a status from the server, never a word somewhere in a message. */
export function readRefusal(stderr: string): KubeWriteRefusal | undefined {
  const m = /^Error from server \((Conflict|AlreadyExists|NotFound)\)/m.exec(stderr);
  return m ? (m[1] as KubeWriteRefusal) : undefined;
}

/**
 * get/create/replace of single objects (a Lease, a ConfigMap). create and replace return the object as
 * written, so the caller learns its resourceVersion. A replace carries metadata.resourceVersion, so the
 * API server refuses it with 409 Conflict (KubeWriteRefusedError) if anyone wrote in between.
 */
export interface KubeObjectAccess {
  /** What it talks through, for the log ("kubectl", or the API server it reaches directly). */
  describe(): Promise<string>;
  get<T extends KubeObject>(resource: 'lease' | 'configmap', name: string, namespace: string): Promise<T | undefined>;
  create<T extends KubeObject>(object: T): Promise<T>;
  /** Refused with Conflict unless object.metadata.resourceVersion is still the current one. */
  replace<T extends KubeObject>(object: T): Promise<T>;
}

export function refuseBlindReplace(object: KubeObject): void {
  if (!object.metadata.resourceVersion) throw new Error(`replace of ${object.kind} ${object.metadata.name} without metadata.resourceVersion would overwrite blindly`);
}

/** Through a kubectl process per call: `get -o json`, `create|replace -f - -o json`. */
export class KubectlObjectAccess implements KubeObjectAccess {
  constructor(private readonly kubectl: KubectlClient) {}

  async describe(): Promise<string> {
    return 'kubectl';
  }

  async get<T extends KubeObject>(resource: 'lease' | 'configmap', name: string, namespace: string): Promise<T | undefined> {
    const r = await this.kubectl.call(['get', resource, name, '-n', namespace, '-o', 'json'], { okExitCodes: [0, 1] });
    if (r.exitCode === 1) {
      if (readRefusal(r.stderr) === 'NotFound') return undefined;
      throw new CommandError('exit', r);
    }
    return parseObject<T>(r, `get ${resource} ${name}`);
  }

  create<T extends KubeObject>(object: T): Promise<T> {
    return this.write('create', object);
  }

  replace<T extends KubeObject>(object: T): Promise<T> {
    refuseBlindReplace(object);
    return this.write('replace', object);
  }

  private async write<T extends KubeObject>(verb: 'create' | 'replace', object: T): Promise<T> {
    const r = await this.kubectl.call([verb, '-f', '-', '-o', 'json'], { input: JSON.stringify(object), okExitCodes: [0, 1] });
    if (r.exitCode === 1) {
      const reason = readRefusal(r.stderr);
      if (reason) throw new KubeWriteRefusedError(reason, `${verb} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}: ${tail(r.stderr.trim(), 500)}`);
      throw new CommandError('exit', r);
    }
    return parseObject<T>(r, `${verb} ${object.kind} ${object.metadata.name}`);
  }
}

function parseObject<T extends KubeObject>(r: CommandResult, what: string): T {
  const obj = parseJsonDocument(r.stdout, `kubectl ${what}`) as unknown as T;
  if (typeof obj?.metadata?.name !== 'string') throw new Error(`kubectl ${what}: the output has no metadata.name`);
  return obj;
}
