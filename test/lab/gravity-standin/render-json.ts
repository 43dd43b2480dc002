/**
 * `gravity status --output=json` prints `json.Marshal` of the status with no trailing newline.
 * Go's encoder escapes <, >, & and U+2028/U+2029 inside strings; JSON.stringify does not.
 */

import type { GravityStatus } from '../../../shared/gravity/status.js';

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function renderStatusJson(status: GravityStatus): string {
  return JSON.stringify(status).replace(/[<>&\u2028\u2029]/g, (ch) => GO_ESCAPES[ch] ?? ch);
}
