/**
 * What a RESULTS.md section was measured on: the commit, and whether the working tree differed
 * from it (then the numbers belong to no commit, and the section says so).
 */

/** The generated file itself: writing it is the run's output, not a change to what is measured. */
export const RESULTS_PATH = 'bench/RESULTS.md';

/** `git status --porcelain` arguments: tracked and untracked changes, except RESULTS.md. */
export const STATUS_ARGS = ['status', '--porcelain', '--untracked-files=normal', '--', '.', `:(exclude)${RESULTS_PATH}`];

/** The commit label from `git rev-parse --short HEAD` and the porcelain status. */
export function commitLabel(head: string, porcelain: string): string {
  return porcelain.trim() === '' ? head : `${head} + uncommitted changes`;
}

export interface SectionRun {
  name: string;
  title: string;
  started: Date;
  seconds: number;
  commit: string;
}

/** The start of one benchmark's section: its marker, title and where and when it was measured. */
export function sectionHeading(r: SectionRun): string {
  return `<!-- bench:${r.name} -->\n## ${r.title}\n\n_Benchmark \`${r.name}\`, run ${r.started.toISOString()} on the machine above at commit ${r.commit}, took ${r.seconds.toFixed(0)} s._\n\n`;
}
