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
  /** A dry-run eviction (dryRun=All): detail "allowed" or the budget's refusal; nothing changed. */
  | 'EvictionDryRun'
  | 'PodEvictedByTaint'
  | 'NodeReadyChanged'
  | 'NodeTaintsChanged'
  /** A request of an identity RBAC decides for (not system:masters): what it asked, and whether it was allowed (non-resource requests only when refused). */
  | 'ApiRequest';

/** The authorizer's view of one request (authorizer.Attributes), with who sent it and the decision. */
export interface AuthorizedRequest {
  user: string;
  verb: string;
  /** Resource requests; a non-resource request (discovery, /version) has `path` instead. */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  path?: string;
  allowed: boolean;
}

export interface Activity {
  at: number;
  type: ActivityType;
  namespace?: string;
  name: string;
  node?: string;
  detail?: string;
  /** Set on ApiRequest entries. */
  request?: AuthorizedRequest;
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
