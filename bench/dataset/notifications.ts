import { DEFAULT_WORKFLOW } from "../../src/modules/projects/workflow.js";
import { channelsFor } from "../../src/modules/notifications/preferences.js";
import { excerpt } from "../../src/modules/notifications/render.js";
import type { Draft, NotificationParams } from "../../src/modules/notifications/types.js";
import type { EngineInstance } from "./approvals.js";
import { taskId, type Plan, type PlanProject, type PlanUser } from "./plan.js";
import { rng, stableUuid, type Rng } from "./random.js";
import type { CommentRow, TaskRow } from "./rows.js";

// Notifications of the last WINDOW_DAYS days, as the notifications module would
// have written them for the generated history (src/modules/notifications:
// producers.ts says who hears about what, writer.ts filters and stores): the
// assignee of a new task, the watchers (reporter and assignee) of a status change
// or a comment, the users a comment mentions, and for approvals the approvers
// of each node, the initiator when it ends and the cc'd. Never to the actor, one
// per recipient and source. Mostly read; the newer, the likelier still unread.

const DAY = 86_400_000;
const MINUTE = 60_000;
const WINDOW_DAYS = 10;
// The bench server has no SMTP settings, so the writer decides e-mail "none" for everyone.
const EMAIL = (type: Draft["type"]) => channelsFor({ email_mode: null, channels: null }, type, false);
const STATUS_NAMES = new Map(DEFAULT_WORKFLOW.statuses.map((s) => [s.key, s.name]));

export interface NotificationRow {
  id: string;
  org_id: string;
  user_id: string;
  source_id: string;
  type: Draft["type"];
  params: NotificationParams;
  link: string;
  in_app: boolean;
  email: string;
  read_at: string | null;
  created_at: string;
}

export const NOTIFICATION_COLUMNS =
  "id uuid, org_id uuid, user_id uuid, source_id uuid, type text, params jsonb, link text, in_app boolean, email text, read_at timestamptz, created_at timestamptz";

/** What a comment's notifications need of its task (kept for every task: old tasks get new comments). */
interface TaskFacts {
  title: string[];
  reporter: (string | null)[];
  assignee: (string | null)[];
}

export class NotificationMaker {
  /** Unread notification ids per user index, for the mix's "mark read". */
  readonly unread = new Map<number, string[]>();
  unreadCount = 0;
  private readonly users: Map<string, PlanUser>;
  private readonly since: number;
  private readonly anchor: number;
  private readonly facts = new Map<number, TaskFacts>();
  private readonly streams = new Map<string, Rng>();
  /** Task number by id, for the project whose comments are being read. */
  private numbers: { project: number; byId: Map<string, number> } | undefined;

  constructor(private readonly plan: Plan) {
    this.users = new Map(plan.users.map((u) => [u.id, u]));
    this.anchor = plan.anchor.getTime();
    this.since = this.anchor - WINDOW_DAYS * DAY;
  }

  /** task.created (to the assignee) and the status change of each task (to its watchers). */
  fromTasks(project: PlanProject, tasks: TaskRow[]): NotificationRow[] {
    const r = this.stream(`tasks/${project.index}`);
    const facts = this.factsOf(project.index);
    const out: NotificationRow[] = [];
    for (const t of tasks) {
      facts.title[t.number - 1] = t.title;
      facts.reporter[t.number - 1] = t.reporter_id;
      facts.assignee[t.number - 1] = t.assignee_id;
      const taskKey = `${project.key}-${t.number}`;
      const link = `/tasks/${taskKey}`;
      const base = (actorId: string | null): NotificationParams => ({ actorName: this.nameOf(actorId), taskKey, taskTitle: t.title });
      if (t.assignee_id) {
        const drafts: Draft[] = [{ userId: t.assignee_id, type: "task.assigned", params: { ...base(t.reporter_id), dueDate: t.due_date }, link }];
        out.push(...this.deliver(r, t.org_id, `created:${t.id}`, t.reporter_id, Date.parse(t.created_at), drafts));
      }
      if (t.status !== "todo") {
        // The activity's "updated" entry: moved by the assignee (or the reporter).
        const actor = t.assignee_id ?? t.reporter_id;
        const params = { ...base(actor), from: STATUS_NAMES.get("todo")!, to: STATUS_NAMES.get(t.status) ?? t.status };
        const drafts = this.watchers(t.reporter_id, t.assignee_id).map((userId): Draft => ({ userId, type: "task.status_changed", params, link }));
        out.push(...this.deliver(r, t.org_id, `updated:${t.id}`, actor, Date.parse(t.updated_at), drafts));
      }
    }
    return out;
  }

  /** Mentioned users first (task.mentioned), then the task's watchers (task.commented). */
  fromComments(project: PlanProject, comments: CommentRow[]): NotificationRow[] {
    const r = this.stream(`comments/${project.index}`);
    const facts = this.factsOf(project.index);
    const out: NotificationRow[] = [];
    for (const c of comments) {
      const at = Date.parse(c.created_at);
      if (at < this.since) continue;
      const num = this.numberOf(project, c.task_id);
      const taskKey = `${project.key}-${num}`;
      const link = `/tasks/${taskKey}`;
      const params: NotificationParams = { actorName: this.nameOf(c.author_id), taskKey, taskTitle: facts.title[num - 1] ?? "", excerpt: excerpt(c.body) };
      const drafts: Draft[] = c.mentions.map((userId) => ({ userId, type: "task.mentioned" as const, params, link }));
      for (const userId of this.watchers(facts.reporter[num - 1] ?? null, facts.assignee[num - 1] ?? null)) drafts.push({ userId, type: "task.commented", params, link });
      out.push(...this.deliver(r, c.org_id, `comment:${c.id}`, c.author_id, at, drafts));
    }
    return out;
  }

  /** What producers.ts makes of the engine's notices: approval.assigned, approval.decided, approval.cc. */
  fromApproval(e: EngineInstance): NotificationRow[] {
    const r = this.stream("approvals");
    const inst = e.instance;
    const link = `/approvals/${inst.id}`;
    const still = new Set(e.pending().map((t) => t.assigneeId));
    const out: NotificationRow[] = [];
    for (const [i, n] of e.notices.entries()) {
      const params: NotificationParams = { approvalTitle: inst.title, actorName: this.nameOf(n.actorId), initiatorName: this.nameOf(inst.initiatorId) };
      const to = (userIds: string[], type: Draft["type"], extra: NotificationParams = {}) => userIds.map((userId): Draft => ({ userId, type, params: { ...params, ...extra }, link }));
      let drafts: Draft[] = [];
      if (n.type === "approval.task.assigned") drafts = to((n.data.tasks as { assigneeId: string }[]).map((t) => t.assigneeId), "approval.assigned");
      else if (n.type === "approval.finished" || n.type === "approval.returned") drafts = to([inst.initiatorId], "approval.decided", { outcome: String(n.data.status) });
      else if (n.type === "approval.cc") drafts = to(n.data.userIds as string[], "approval.cc");
      // An approver who still has to decide has likely not opened the notification either.
      const waiting = (userId: string) => n.type === "approval.task.assigned" && still.has(userId);
      out.push(...this.deliver(r, inst.orgId, `approval:${inst.id}:${i}`, n.actorId, Date.parse(n.at), drafts, waiting));
    }
    return out;
  }

  /** NotificationWriter.deliver's rules: never the actor, the first draft per user wins; recipients here all see the project. */
  private deliver(r: Rng, orgId: string, source: string, actorId: string | null, at: number, drafts: Draft[], likelyUnread?: (userId: string) => boolean): NotificationRow[] {
    if (at < this.since) return [];
    const sourceId = stableUuid(this.plan.seed, "notification-source", source);
    const seen = new Set<string>();
    const out: NotificationRow[] = [];
    for (const d of drafts) {
      if (d.userId === actorId || seen.has(d.userId)) continue;
      seen.add(d.userId);
      const user = this.users.get(d.userId);
      if (!user) continue;
      const age = this.anchor - at;
      const pUnread = Math.max(likelyUnread?.(d.userId) ? 0.5 : 0, age < DAY ? 0.45 : age < 3 * DAY ? 0.2 : age < 7 * DAY ? 0.08 : 0.02);
      const unread = r.chance(pUnread);
      const readAt = unread ? null : new Date(Math.max(at, Math.min(this.anchor, at + r.int(1, 48 * 60) * MINUTE))).toISOString();
      const id = stableUuid(this.plan.seed, "notification", `${source}:${user.index}`);
      if (unread) {
        this.unreadCount++;
        const list = this.unread.get(user.index);
        if (list) list.push(id);
        else this.unread.set(user.index, [id]);
      }
      out.push({ id, org_id: orgId, user_id: d.userId, source_id: sourceId, type: d.type, params: d.params, link: d.link, in_app: true, email: EMAIL(d.type).email, read_at: readAt, created_at: new Date(at).toISOString() });
    }
    return out;
  }

  /** Its comments are all read: what was kept of the project's tasks can go. */
  doneWith(project: PlanProject): void {
    this.facts.delete(project.index);
    this.numbers = undefined;
  }

  private numberOf(project: PlanProject, id: string): number {
    if (this.numbers?.project !== project.index) {
      const byId = new Map<string, number>();
      for (let n = 1; n <= project.taskCount; n++) byId.set(taskId(this.plan.seed, project.index, n), n);
      this.numbers = { project: project.index, byId };
    }
    return this.numbers.byId.get(id)!;
  }

  private watchers(reporter: string | null, assignee: string | null): string[] {
    return [reporter, assignee].filter((u): u is string => u !== null);
  }

  private nameOf(userId: string | null): string | null {
    return userId ? (this.users.get(userId)?.name ?? null) : null;
  }

  private stream(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) this.streams.set(name, (r = rng(`${this.plan.seed}/notifications/${name}`)));
    return r;
  }

  private factsOf(projectIndex: number): TaskFacts {
    let f = this.facts.get(projectIndex);
    if (!f) this.facts.set(projectIndex, (f = { title: [], reporter: [], assignee: [] }));
    return f;
  }
}
