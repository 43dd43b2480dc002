import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shell commands the project's Markdown shows an operator: every line of a `sh`/`bash`/`shell`
 * code block (fenced or indented), and every inline code span that starts with a program the docs
 * tell people to run (`noderoll check`, `npm run lab -- down`, …). A trailing `# comment` is not part
 * of the command. test/docs/doc-command-table.ts says how each one is run by a test.
 */

export interface DocCommand {
  /** The command exactly as the doc shows it (comment removed, whitespace trimmed). */
  text: string;
  /** `README.md:12` */
  where: string;
  /**
   * Set for the lines of a fenced block marked `<!-- doc-block: NAME -->` on the line before it: a
   * script that a test runs whole, as it stands (the table has one `block` entry for it, not one per line).
   */
  block?: string;
}

/** The Markdown files whose commands are run by tests (project-relative). */
export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort(), 'agent/README.md', 'coordinator/README.md', 'monitoring/README.md', 'bench/README.md'];
}

const SHELL_INFO = /^(sh|bash|shell|console)$/;
/** First words of an inline code span that make it a command (followed by at least one argument). */
const PROGRAMS = ['noderoll', 'noderoll-agent', 'npm', 'npx', 'node', 'scripts/dev', 'eval', 'kubectl', 'gravity', 'systemctl', 'promtool', 'etcdctl', 'journalctl'];
const INLINE_CODE = /`([^`\n]+)`/g;

export function extractDocCommands(markdown: string, file: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = markdown.split('\n');
  let fence: { shell: boolean; block?: string } | undefined;
  let pendingBlock: string | undefined;
  let previousBlankOrCode = true;
  let inIndentedCode = false;
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const fenceMatch = /^\s*```(\S*)\s*$/.exec(line);
    if (fenceMatch) {
      fence = fence ? undefined : { shell: SHELL_INFO.test(fenceMatch[1] ?? ''), ...(pendingBlock ? { block: pendingBlock } : {}) };
      pendingBlock = undefined;
      previousBlankOrCode = true;
      return;
    }
    if (fence) {
      if (fence.shell) pushShellLine(out, line, where, fence.block);
      return;
    }
    const marker = /^<!-- doc-block: ([a-z0-9-]+) -->$/.exec(line.trim());
    pendingBlock = marker ? marker[1] : undefined;
    if (marker) return;
    // An indented code block: four spaces after a blank line (not a list item's continuation).
    if (/^ {4}\S/.test(line) && (previousBlankOrCode || inIndentedCode) && !/^ {4}[-*] /.test(line)) {
      inIndentedCode = true;
      pushShellLine(out, line, where);
      return;
    }
    inIndentedCode = false;
    previousBlankOrCode = line.trim() === '';
    for (const m of line.matchAll(INLINE_CODE)) {
      const span = (m[1] ?? '').trim();
      const first = span.split(/\s+/)[0] ?? '';
      if (PROGRAMS.includes(first) && /\s/.test(span)) out.push({ text: span, where });
    }
  });
  return out;
}

function pushShellLine(out: DocCommand[], line: string, where: string, block?: string): void {
  const text = line.replace(/(^|\s)#(\s.*)?$/, '').trim();
  if (text !== '') out.push({ text, where, ...(block ? { block } : {}) });
}

/** The shell script of the fenced block marked `<!-- doc-block: NAME -->` in a Markdown text, as it stands. */
export function docBlockScript(markdown: string, name: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `<!-- doc-block: ${name} -->`);
  if (start < 0) throw new Error(`no <!-- doc-block: ${name} --> in the document`);
  const open = lines[start + 1] ?? '';
  if (!/^\s*```(sh|bash)\s*$/.test(open)) throw new Error(`doc-block ${name}: the next line must open a sh/bash block, got ${JSON.stringify(open)}`);
  const end = lines.findIndex((l, i) => i > start + 1 && /^\s*```\s*$/.test(l));
  if (end < 0) throw new Error(`doc-block ${name}: the block is not closed`);
  return lines.slice(start + 2, end).join('\n') + '\n';
}

/** Every command of every doc file, in document order. */
export function allDocCommands(root: string): DocCommand[] {
  return docFiles(root).flatMap((f) => extractDocCommands(readFileSync(join(root, f), 'utf8'), f));
}

/** The shell text a table entry runs: its `run`, else the doc's own text. */
export function shellTextOf(entry: { doc: string; run?: string }): string {
  return entry.run ?? entry.doc;
}

/** Every `--flag` a synopsis names. */
export function flagsOf(synopsis: string): string[] {
  return [...synopsis.matchAll(/(?:^|[\s[])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1] ?? '');
}
