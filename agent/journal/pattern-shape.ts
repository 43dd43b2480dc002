/**
 * A first, cheap look at the shape of a caller's regular expression (JavaScript, `u` flag, already
 * known to compile), refusing the shapes that are known to backtrack catastrophically, with a
 * message that says which part. It is a filter for clear early errors, not the protection: patterns
 * are matched in a worker with a hard deadline (pattern-matcher.ts), which also bounds the shapes
 * this look misses.
 */

interface Item {
  /** Source text of the atom (without its quantifier). */
  source: string;
  /** Alternatives of a group; undefined for a single-character atom or an assertion. */
  alternatives?: Item[][];
  /** Matches exactly one character (literal, `.`, class, class escape). */
  single: boolean;
  quantifier: string;
  max: number;
}

class PatternScanner {
  private i = 0;
  constructor(private readonly text: string) {}

  /** Alternatives up to the closing `)` of the current group (or the end). */
  sequenceList(): Item[][] {
    const alternatives: Item[][] = [[]];
    while (this.i < this.text.length) {
      const c = this.text[this.i]!;
      if (c === ')') break;
      if (c === '|') {
        this.i += 1;
        alternatives.push([]);
        continue;
      }
      alternatives[alternatives.length - 1]!.push(this.item());
    }
    return alternatives;
  }

  private item(): Item {
    const start = this.i;
    const c = this.text[this.i]!;
    let alternatives: Item[][] | undefined;
    let single = true;
    if (c === '(') {
      const head = /^\(\?(?::|=|!|<=|<!|<[^>]*>)/.exec(this.text.slice(this.i));
      this.i += head ? head[0].length : 1;
      alternatives = this.sequenceList();
      this.i += 1; // ')'
      single = false;
    } else if (c === '[') {
      this.i += 1;
      while (this.i < this.text.length && this.text[this.i] !== ']') this.i += this.text[this.i] === '\\' ? 2 : 1;
      this.i += 1;
    } else if (c === '\\') {
      const escape = /^\\(?:[pP]\{[^}]*\}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[\s\S])/.exec(this.text.slice(this.i))!;
      this.i += escape[0].length;
      if (escape[0] === '\\b' || escape[0] === '\\B') single = false;
    } else if (c === '^' || c === '$') {
      this.i += 1;
      single = false;
    } else {
      this.i += String.fromCodePoint(this.text.codePointAt(this.i)!).length;
    }
    const source = this.text.slice(start, this.i);
    const q = /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(this.text.slice(this.i));
    if (!q) return { source, ...(alternatives ? { alternatives } : {}), single, quantifier: '', max: 1 };
    this.i += q[0].length;
    const max = q[0][0] === '*' || q[0][0] === '+' ? Infinity : q[0][0] === '?' ? 1 : q[2] === undefined ? Number(q[1]) : q[3] === '' ? Infinity : Number(q[3]);
    return { source, ...(alternatives ? { alternatives } : {}), single, quantifier: q[0], max };
  }
}

function containsRepeatOrAlternation(alternatives: Item[][]): boolean {
  if (alternatives.length > 1) return true;
  return alternatives.some((seq) => seq.some((it) => it.max > 1 || (it.alternatives !== undefined && containsRepeatOrAlternation(it.alternatives))));
}

const LATIN1 = Array.from({ length: 0x100 }, (_, code) => String.fromCharCode(code)).join('');

/**
 * Whether two one-character atoms share a character among U+0000..U+00FF (a sample: overlaps only
 * beyond Latin-1 are missed). One scan of that string per distinct atom, so that a long pattern of
 * many atoms costs little on the event loop.
 */
function overlap(a: string, b: string, seen: Map<string, Set<string>>): boolean {
  const chars = (atom: string): Set<string> => {
    let set = seen.get(atom);
    if (!set) {
      set = new Set(LATIN1.match(new RegExp(atom, 'gu')) ?? []);
      seen.set(atom, set);
    }
    return set;
  };
  const sb = chars(b);
  for (const c of chars(a)) if (sb.has(c)) return true;
  return false;
}

/** The catastrophic shape found in `pattern`, in words; undefined when none of the known ones is there. */
export function catastrophicShape(pattern: string): string | undefined {
  const seen = new Map<string, Set<string>>();
  const visit = (alternatives: Item[][]): string | undefined => {
    for (const seq of alternatives) {
      for (let k = 0; k < seq.length; k += 1) {
        const it = seq[k]!;
        if (it.alternatives) {
          if (it.max > 1 && containsRepeatOrAlternation(it.alternatives)) {
            return `repeats a group that itself repeats or alternates (${it.source}${it.quantifier})`;
          }
          const inner = visit(it.alternatives);
          if (inner) return inner;
        }
        const next = seq[k + 1];
        if (next && it.single && next.single && it.max === Infinity && next.max === Infinity && overlap(it.source, next.source, seen)) {
          return `has two unbounded repeats in a row that match the same characters (${it.source}${it.quantifier}${next.source}${next.quantifier})`;
        }
      }
    }
    return undefined;
  };
  return visit(new PatternScanner(pattern).sequenceList());
}
