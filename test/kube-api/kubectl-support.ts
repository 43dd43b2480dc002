import { runCommand } from '../../shared/exec/command-runner.js';
import type { Node, Pod } from './k8s-types.js';

/** Fails a suite early, with a clear message, when the real kubectl is not on this machine. */
export async function requireKubectl(): Promise<void> {
  try {
    await runCommand({ file: process.env.KUBECTL ?? 'kubectl', args: ['version', '--client'], timeoutMs: 10_000 });
  } catch (err) {
    throw new Error(`these tests need the real kubectl on PATH (or KUBECTL=/path): ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface NodeList {
  kind: string;
  items: Node[];
}

export interface PodList {
  kind: string;
  items: Pod[];
}
