/**
 * `systemctl show [-p A,B] [--] UNIT...`: `Key=value` lines in systemd's order, one block per unit,
 * blocks separated by an empty line. Values may contain `=` and spaces; only the first `=` splits.
 * An unknown unit still prints a block (LoadState=not-found) and systemctl exits 0.
 */

export type ShowBlock = Map<string, string>;

export function parseShowBlocks(text: string): ShowBlock[] {
  const blocks: ShowBlock[] = [];
  let current: ShowBlock | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (current && current.size > 0) blocks.push(current);
      current = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue; // not a property line (systemd never prints one; be lenient)
    current ??= new Map();
    current.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (current && current.size > 0) blocks.push(current);
  return blocks;
}

export interface UnitState {
  name: string;
  loadState: string;
  activeState: string;
  subState: string;
  unitFileState: string;
  description: string;
  mainPid: number;
}

export const UNIT_STATE_PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'Description', 'MainPID'] as const;

/** One block of UNIT_STATE_PROPERTIES as a UnitState; `requested` names the unit when Id is missing. */
export function unitStateFromShow(block: ShowBlock, requested: string): UnitState {
  const pid = Number(block.get('MainPID') ?? '0');
  return {
    name: block.get('Id') || requested,
    loadState: block.get('LoadState') ?? '',
    activeState: block.get('ActiveState') ?? '',
    subState: block.get('SubState') ?? '',
    unitFileState: block.get('UnitFileState') ?? '',
    description: block.get('Description') ?? '',
    mainPid: Number.isInteger(pid) && pid > 0 ? pid : 0,
  };
}

/**
 * Pairs the blocks of a multi-unit `show` with the names asked for. systemctl prints one block per
 * name, in order; a count mismatch means the output cannot be trusted.
 */
export function unitStatesFromShow(text: string, requested: readonly string[]): UnitState[] {
  const blocks = parseShowBlocks(text);
  if (blocks.length !== requested.length) {
    throw new Error(`systemctl show printed ${blocks.length} property blocks for ${requested.length} units`);
  }
  return blocks.map((b, i) => unitStateFromShow(b, requested[i]!));
}
