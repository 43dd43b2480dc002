/**
 * Text from a node (journal messages, unit descriptions, command output) may hold terminal control
 * sequences: ESC/CSI would recolour, move the cursor or retitle the operator's terminal, CR would
 * overwrite what is shown, bidi overrides would reorder it. Shown to a person, they are escaped.
 */

// C0 controls, DEL, C1 controls (U+009B is an 8-bit CSI), bidi embeddings/overrides/isolates, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text with every control character written as an escape (`\x1b`, `\n`, `\u202e`). */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** Like escapeControlCharacters, but keeps line breaks: for multi-line text the program itself composed. */
export function escapeControlCharactersKeepLines(text: string): string {
  return text.replace(CONTROL_BUT_NEWLINE, escapeOne);
}
