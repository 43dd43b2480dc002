/**
 * fnmatch(3) without flags, the way systemd matches unit patterns: `*` any run of characters,
 * `?` one character, `[abc]`, `[a-z]`, `[!x]`/`[^x]` one character of (not of) a set; `\x` outside
 * a set is not special here (unit names use `\xHH` escapes literally). Pure and linear-time
 * enough for unit names (backtracking only over `*`, iteratively).
 */

type Token = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; c: string } | { kind: 'set'; negated: boolean; ranges: [string, string][] };

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'char', c });
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let j = 0; j < body.length; j++) {
        const lo = body[j]!;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([lo, body[j + 2]!]);
          j += 2;
        } else ranges.push([lo, lo]);
      }
      tokens.push({ kind: 'set', negated, ranges });
      i = close;
    } else tokens.push({ kind: 'char', c });
  }
  return tokens;
}

function matchOne(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.c === c;
    case 'set': {
      const inSet = t.ranges.some(([lo, hi]) => c >= lo && c <= hi);
      return t.negated ? !inSet : inSet;
    }
    case 'star':
      return false;
  }
}

export function globMatches(glob: string, text: string): boolean {
  const tokens = tokenize(glob);
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < text.length) {
    const t = tokens[ti];
    if (t && t.kind !== 'star' && matchOne(t, text[si]!)) {
      ti += 1;
      si += 1;
    } else if (t?.kind === 'star') {
      starTi = ti;
      starSi = si;
      ti += 1;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      starSi += 1;
      si = starSi;
    } else return false;
  }
  while (tokens[ti]?.kind === 'star') ti += 1;
  return ti === tokens.length;
}
