/**
 * Go's text/tabwriter as gravity configures it for `gravity status`
 * (`w.Init(out, minwidth 0, tabwidth 8, padding 1, padchar '\t', flags 0)`): tab-terminated cells
 * in consecutive lines form a column; each column is padded with tabs to the widest cell plus one,
 * rounded up to a tab stop. A line with fewer cells ends the column block.
 */

export interface TabwriterSettings {
  minWidth: number;
  tabWidth: number;
  padding: number;
}

export const GRAVITY_STATUS_TABWRITER: TabwriterSettings = { minWidth: 0, tabWidth: 8, padding: 1 };

export function alignTabs(text: string, settings: TabwriterSettings = GRAVITY_STATUS_TABWRITER): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let rendered = '';
      cells.forEach((cell, j) => {
        rendered += cell;
        const width = widths[j];
        if (j < cells.length - 1 && width !== undefined) rendered += tabPadding(runeCount(cell), width, settings.tabWidth);
      });
      out.push(rendered);
    }
  };

  // Go's tabwriter.format: find each block of lines that have a cell in `column`, size the
  // column to its widest cell, then format the columns to its right within that block.
  const format = (from: number, to: number): void => {
    const column = widths.length;
    let line0 = from;
    for (let current = from; current < to; current++) {
      if (column >= (lines[current]?.length ?? 0) - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = settings.minWidth;
      for (; current < to; current++) {
        const cells = lines[current] ?? [];
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeCount(cells[column] ?? '') + settings.padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, to);
  };

  format(0, lines.length);
  return out.join('\n');
}

function tabPadding(textWidth: number, cellWidth: number, tabWidth: number): string {
  const stop = Math.ceil(cellWidth / tabWidth) * tabWidth;
  return '\t'.repeat(Math.ceil((stop - textWidth) / tabWidth));
}

function runeCount(text: string): number {
  return [...text].length;
}
