import type { PendingDecision } from "./dataset/approvals.js";
import { canWrite, taskId, visibleProjects, type Plan, type PlanUser } from "./dataset/plan.js";
import type { Rng } from "./dataset/random.js";

// What the mix's virtual users know of the dataset (bench/mix.ts): who sees and
// writes what, and the generated work they take from (open approval tasks,
// unread notifications), consumed as the run goes.

/** What the generator made for the mix to work on (bench/dataset/load.ts LoadResult). */
export interface SeededWork {
  pendingApprovals: PendingDecision[];
  unreadNotifications: Map<number, string[]>;
}

/** What the virtual users know about the dataset: ids, tokens, who sees and writes what. */
export class Workload {
  readonly writers: { user: PlanUser; projects: number[] }[];
  private readonly orgCumulative: { projects: number[]; cumulative: number[] }[];
  readonly anchor: Date;
  /** Open approval tasks not decided yet in this run, taken from the front. */
  readonly pendingApprovals: PendingDecision[];
  /** Users holding an open approval task when the run started. */
  readonly approvers: number[];
  /** Unread notification ids per user, and the users that still have some. */
  private readonly unread: Map<number, string[]>;
  private readonly withUnread: number[];
  /** Draws of an action that found nothing left to do, by action name. */
  readonly ranOut = new Map<string, number>();

  constructor(
    readonly plan: Plan,
    readonly tokens: string[],
    /** Routes the server documents (routesOf), for optional variants of an action. */
    readonly routes: Set<string> = new Set(),
    seeded: SeededWork = { pendingApprovals: [], unreadNotifications: new Map() },
  ) {
    this.anchor = plan.anchor;
    this.pendingApprovals = [...seeded.pendingApprovals];
    this.approvers = [...new Set(seeded.pendingApprovals.map((d) => d.approver))];
    this.unread = new Map([...seeded.unreadNotifications].map(([u, ids]) => [u, [...ids]]));
    this.withUnread = [...this.unread.keys()].filter((u) => this.unread.get(u)!.length > 0);
    this.writers = plan.users
      .map((user) => ({ user, projects: visibleProjects(plan, user).filter((p) => canWrite(plan, user, p)) }))
      .filter((w) => w.projects.length > 0);
    this.orgCumulative = plan.orgs.map((o) => {
      let sum = 0;
      const cumulative = o.projectIndexes.map((p) => (sum += plan.projects[p]!.taskCount));
      return { projects: o.projectIndexes, cumulative };
    });
  }

  user(r: Rng): PlanUser {
    return this.plan.users[r.int(0, this.plan.users.length - 1)]!;
  }

  token(u: PlanUser): string {
    return this.tokens[u.index]!;
  }

  /** A project the user sees: often one of their own, otherwise big projects draw more visits. */
  project(r: Rng, u: PlanUser): number {
    if (u.projects.length > 0 && (u.role === "guest" || r.chance(0.6))) return r.pick(u.projects);
    const { projects, cumulative } = this.orgCumulative[u.orgIndex]!;
    const x = r.next() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return projects[lo]!;
  }

  /** A task of the project, recent ones far more often than old ones. */
  task(r: Rng, projectIndex: number): { id: string; key: string } {
    const p = this.plan.projects[projectIndex]!;
    const num = Math.max(1, p.taskCount - Math.floor(Math.pow(r.next(), 3) * p.taskCount));
    return { id: taskId(this.plan.seed, projectIndex, num), key: `${p.key}-${num}` };
  }

  worker(r: Rng, projectIndex: number): PlanUser | undefined {
    const w = this.plan.projects[projectIndex]!.workers;
    return w.length ? this.plan.users[r.pick(w)] : undefined;
  }

  /** A user with unread notifications and one of them (`all`: every one, read now), or undefined when nobody has any left. */
  takeUnread(r: Rng, all: boolean): { user: PlanUser; ids: string[] } | undefined {
    if (this.withUnread.length === 0) return undefined;
    const i = r.int(0, this.withUnread.length - 1);
    const u = this.withUnread[i]!;
    const list = this.unread.get(u)!;
    const ids = all ? list.splice(0) : list.splice(r.int(0, list.length - 1), 1);
    if (list.length === 0) this.withUnread.splice(i, 1);
    return { user: this.plan.users[u]!, ids };
  }

  date(daysFromAnchor: number): string {
    return new Date(this.anchor.getTime() + daysFromAnchor * 86_400_000).toISOString().slice(0, 10);
  }
}

