import { showValue } from './field-error.js';

/**
 * Kubernetes label selectors as `kubectl -l` takes them (k8s.io/apimachinery/pkg/labels): comma-separated
 * requirements `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` (exists),
 * `!key` (does not exist). Keys are `[prefix/]name` (prefix a DNS-1123 subdomain of at most 253
 * characters, name at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric); values are empty or
 * like a name. Checked before a selector reaches a command line; the numeric `>`/`<` forms are not taken.
 */

export const MAX_SELECTOR_LENGTH = 1024;

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) return `label key ${showValue(key)}: the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)`;
  if (!NAME.test(name)) return `label key ${showValue(key)}: the name must be 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  return value === '' || NAME.test(value) ? undefined : `label value ${showValue(value)} must be empty or 1-63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
}

/** The requirements of a selector, split on the commas outside parentheses. */
function requirements(selector: string): string[] | string {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth < 0 || depth > 1) return 'has unbalanced parentheses';
    if (ch === ',' && depth === 0) {
      parts.push(selector.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return 'has unbalanced parentheses';
  parts.push(selector.slice(start).trim());
  return parts;
}

function requirementProblem(req: string): string | undefined {
  if (req === '') return 'has an empty requirement (two commas, or a comma at an end)';
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(req);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '') return `${showValue(req)}: ${set[2]} needs at least one value`;
    return labelKeyProblem(set[1]!) ?? values.map(labelValueProblem).find((p) => p !== undefined);
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(req);
  if (equality) return labelKeyProblem(equality[1]!) ?? labelValueProblem(equality[3]!);
  const absent = /^!\s*(\S+)$/.exec(req);
  if (absent) return labelKeyProblem(absent[1]!);
  if (/^\S+$/.test(req) && !/[=!()]/.test(req)) return labelKeyProblem(req);
  return `${showValue(req)} is not a label requirement (key=value, key!=value, key in (a,b), key notin (a,b), key, !key)`;
}

/** Why `selector` is not a label selector kubectl accepts, or undefined. An empty selector (every pod) is refused. */
export function labelSelectorProblem(selector: string): string | undefined {
  if (selector.trim() === '') return 'must not be empty (an empty selector matches every pod)';
  if (selector.length > MAX_SELECTOR_LENGTH) return `is longer than ${MAX_SELECTOR_LENGTH} characters`;
  const parts = requirements(selector);
  if (typeof parts === 'string') return `${showValue(selector)} ${parts}`;
  for (const p of parts) {
    const problem = requirementProblem(p);
    if (problem) return problem;
  }
  return undefined;
}

/** Whether `labels` satisfy a selector that labelSelectorProblem accepted (every requirement must hold). */
export function labelSelectorMatches(selector: string, labels: Readonly<Record<string, string>>): boolean {
  const parts = requirements(selector);
  if (typeof parts === 'string') return false;
  return parts.every((req) => requirementMatches(req, labels));
}

function requirementMatches(req: string, labels: Readonly<Record<string, string>>): boolean {
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(req);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    const value = labels[set[1]!];
    const inSet = value !== undefined && values.includes(value);
    return set[2] === 'in' ? inSet : !inSet;
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(req);
  if (equality) {
    const equal = labels[equality[1]!] === equality[3];
    return equality[2] === '!=' ? !equal : equal;
  }
  const absent = /^!\s*(\S+)$/.exec(req);
  if (absent) return !(absent[1]! in labels);
  return req in labels;
}
