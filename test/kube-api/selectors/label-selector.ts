import type { LabelSelector } from '../k8s-types.js';
import { SelectorParseError } from './field-selector.js';

/** Label selector strings (k8s.io/apimachinery/pkg/labels) and metav1.LabelSelector objects. */

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const KEY = String.raw`([A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?)`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const NOT_EXISTS = new RegExp(String.raw`^!\s*${KEY}$`);
const EXISTS = new RegExp(`^${KEY}$`);
const EQUALITY = new RegExp(String.raw`^${KEY}\s*(==|=|!=)\s*${VALUE}$`);
const SET = new RegExp(String.raw`^${KEY}\s+(in|notin)\s*\(([^()]*)\)$`);
const NUMERIC = new RegExp(String.raw`^${KEY}\s*(>|<)\s*(-?[0-9]+)$`);
const PLAIN_VALUE = new RegExp(`^${VALUE}$`);

function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function parseRequirement(text: string): LabelRequirement {
  let m = NOT_EXISTS.exec(text);
  if (m) return { key: m[1] as string, operator: '!', values: [] };
  m = EXISTS.exec(text);
  if (m) return { key: m[1] as string, operator: 'exists', values: [] };
  m = EQUALITY.exec(text);
  if (m) return { key: m[1] as string, operator: m[3] === '!=' ? '!=' : '=', values: [m[4] ?? ''] };
  m = SET.exec(text);
  if (m) {
    const values = (m[4] as string).split(',').map((v) => v.trim());
    if (values.some((v) => !PLAIN_VALUE.test(v))) throw new SelectorParseError(`unable to parse requirement: invalid label value in '${text}'`);
    return { key: m[1] as string, operator: m[3] as 'in' | 'notin', values };
  }
  m = NUMERIC.exec(text);
  if (m) return { key: m[1] as string, operator: m[3] === '>' ? 'gt' : 'lt', values: [m[4] as string] };
  throw new SelectorParseError(`unable to parse requirement: '${text}'`);
}

export function parseLabelSelector(text: string | null | undefined): LabelRequirement[] {
  if (!text || text.trim() === '') return [];
  return splitRequirements(text).map((part) => {
    if (part === '') throw new SelectorParseError(`unable to parse requirement: empty requirement in '${text}'`);
    return parseRequirement(part);
  });
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case 'in':
      return has && r.values.includes(value as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      const n = Number(value);
      const bound = Number(r.values[0]);
      return has && Number.isInteger(n) && (r.operator === 'gt' ? n > bound : n < bound);
    }
  }
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

/** metav1.LabelSelector to requirements; an empty selector matches everything. */
export function requirementsOf(selector: LabelSelector): LabelRequirement[] {
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(([key, value]): LabelRequirement => ({ key, operator: '=', values: [value] }));
  const fromExpressions = (selector.matchExpressions ?? []).map((e): LabelRequirement => {
    switch (e.operator) {
      case 'In':
        return { key: e.key, operator: 'in', values: e.values ?? [] };
      case 'NotIn':
        return { key: e.key, operator: 'notin', values: e.values ?? [] };
      case 'Exists':
        return { key: e.key, operator: 'exists', values: [] };
      case 'DoesNotExist':
        return { key: e.key, operator: '!', values: [] };
    }
  });
  return [...fromLabels, ...fromExpressions];
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return selector !== undefined && matchesLabels(requirementsOf(selector), labels);
}
