/**
 * `systemctl list-unit-files [--no-legend] PATTERN`: `UNIT FILE  STATE  [VENDOR PRESET]` (the
 * preset column appeared in systemd 245). Older output has a `UNIT FILE STATE` header and a
 * `N unit files listed.` footer.
 */

export interface UnitFile {
  unit: string;
  state: string;
  preset?: string;
}

export function parseListUnitFiles(text: string): UnitFile[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    const data = JSON.parse(trimmed) as Record<string, unknown>[];
    if (!Array.isArray(data)) throw new Error('systemctl list-unit-files JSON: expected an array');
    return data
      .filter((o) => typeof o.unit_file === 'string')
      .map((o) => ({ unit: String(o.unit_file), state: typeof o.state === 'string' ? o.state : '', ...(typeof o.preset === 'string' && o.preset ? { preset: o.preset } : {}) }));
  }
  const out: UnitFile[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (/^UNIT FILE\s+STATE/.test(line)) continue;
    if (/^\d+ unit files? listed\.?$/.test(line)) break;
    const [unit, state, preset] = line.split(/\s+/);
    if (!unit || !state) continue;
    out.push({ unit, state, ...(preset && preset !== '-' ? { preset } : {}) });
  }
  return out;
}

/**
 * `systemctl --version`: first line `systemd 252 (252.39-1~deb12u1)` (219: `systemd 219`).
 */
export function parseSystemdVersion(text: string): { version: number; text: string } {
  const first = text.split('\n')[0]?.trim() ?? '';
  const m = /^systemd\s+(\d+)/.exec(first);
  if (!m) throw new Error(`systemctl --version: unexpected first line ${JSON.stringify(first.slice(0, 80))}`);
  return { version: Number(m[1]), text: first };
}
