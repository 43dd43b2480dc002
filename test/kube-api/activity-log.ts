/**
 * What happened inside the server, with server-side timestamps, so tests can prove orderings
 * kubectl cannot show (for example: a replacement pod was Running before the next eviction).
 */

export type ActivityType =
  | 'PodCreated'
  | 'PodScheduled'
  | 'PodUnschedulable'
  | 'PodRunning'
  | 'PodReadyChanged'
  | 'PodTerminating'
  | 'PodRemoved'
  | 'EvictionAccepted'
  | 'EvictionRefused'
  | 'PodEvictedByTaint'
  | 'NodeReadyChanged'
  | 'NodeTaintsChanged';

export interface Activity {
  at: number;
  type: ActivityType;
  namespace?: string;
  name: string;
  node?: string;
  detail?: string;
}

export class ActivityLog {
  private readonly entries: Activity[] = [];

  constructor(private readonly capacity = 20_000) {}

  record(entry: Omit<Activity, 'at'>, at = Date.now()): void {
    this.entries.push({ at, ...entry });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  all(): readonly Activity[] {
    return this.entries.slice();
  }

  find(filter: Partial<Omit<Activity, 'at'>>): Activity[] {
    return this.entries.filter((e) =>
      (Object.keys(filter) as (keyof typeof filter)[]).every((k) => filter[k] === undefined || e[k] === filter[k]),
    );
  }
}
