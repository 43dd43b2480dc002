/**
 * Field selectors as the apiserver parses them (k8s.io/apimachinery/pkg/fields): comma-separated
 * terms `field=value`, `field==value` or `field!=value`, with `\` escaping `,`, `=`, `!` and `\`.
 */

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  field: string;
  operator: FieldOperator;
  value: string;
}

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

/** Splits on separators that are not escaped with a backslash; escapes are kept for the next step. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(text: string, term: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined || !'\\,=!'.includes(next)) {
      throw new SelectorParseError(`invalid field selector: '${term}': invalid escape sequence`);
    }
    out += next;
    i++;
  }
  return out;
}

const OPERATORS = ['!=', '==', '='] as const;

function parseTerm(term: string): FieldRequirement {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => term.startsWith(o, i));
    if (op) {
      return {
        field: unescape(term.slice(0, i), term),
        operator: op === '!=' ? '!=' : '=',
        value: unescape(term.slice(i + op.length), term),
      };
    }
  }
  throw new SelectorParseError(`invalid selector: '${term}'; can't understand '${term}'`);
}

export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text) return [];
  return splitUnescaped(text, ',')
    .filter((t) => t !== '')
    .map(parseTerm);
}

/** `fieldValue` returns undefined for a field the resource does not support. */
export function matchesFieldSelector(requirements: readonly FieldRequirement[], fieldValue: (field: string) => string | undefined): boolean {
  return requirements.every((r) => {
    const actual = fieldValue(r.field) ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}
