import { showValue } from './field-error.js';
import { plainTextProblem } from './plain-text.js';

/** Kubernetes names other than node names (those are in node-name.ts). */

/** A namespace: a DNS-1123 label. */
export function namespaceProblem(value: string): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) return `${showValue(value)} is not a namespace name`;
  return undefined;
}

/** An object name such as a Lease's or a ConfigMap's: a DNS-1123 subdomain. */
export function objectNameProblem(value: string): string | undefined {
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) return `${showValue(value)} is not a Kubernetes object name (lowercase letters, digits, '-' and '.')`;
  return undefined;
}

/** A kubeconfig context: any text a kubeconfig may hold, bounded. */
export function kubeContextProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  return plainTextProblem(value, 253);
}
