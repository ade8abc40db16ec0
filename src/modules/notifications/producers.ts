import type { Queryable } from "../../platform/db/index.js";
import type { RelayedEvent } from "../../platform/events/types.js";
import type { TaskFacts } from "../tasks/facts.js";
import { excerpt } from "./render.js";
import { notificationsRepo } from "./repository.js";
import type { Delivery, Draft, NotificationParams } from "./types.js";
import type { TaskWatchers } from "./watchers.js";

/** Domain events that notify someone; the consumer is enqueued for these only. */
export const NOTIFYING_EVENTS: ReadonlySet<string> = new Set([
  "task.created",
  "task.updated",
  "comment.created",
  "approval.task.assigned",
  "approval.finished",
  "approval.returned",
  "approval.urged",
  "approval.reminded",
  "approval.cc",
]);

interface Changes {
  [field: string]: { from: unknown; to: unknown } | undefined;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const taskLink = (key: string) => `/tasks/${key}`;
type Names = ReadonlyMap<string, string>;
const nameOf = (names: Names, userId: string | null): string | null => (userId ? (names.get(userId) ?? null) : null);
const approvalLink = (id: string) => `/approvals/${id}`;

/**
 * Reads a committed domain event and says who should hear about it. Task events
 * are described from the task as it is now (a deleted task notifies nobody);
 * approval events carry what they need (see approvals/service.ts commit).
 */
export class EventNotifications {
  constructor(
    private readonly db: Queryable,
    private readonly facts: TaskFacts,
    private readonly watchers: TaskWatchers,
  ) {}

  /** Deliveries for a batch of events, in order; the names they mention are read once for all. */
  async deliveriesFor(events: readonly RelayedEvent[]): Promise<Delivery[]> {
    const people = new Set<string>();
    for (const e of events) {
      if (e.actorId) people.add(e.actorId);
      const initiatorId = e.type.startsWith("approval.") ? str(e.data.initiatorId) : null;
      if (initiatorId) people.add(initiatorId);
    }
    const names = await notificationsRepo.names(this.db, [...people]);
    const out: Delivery[] = [];
    for (const e of events) {
      const d = await this.deliveryFor(e, names);
      if (d) out.push(d);
    }
    return out;
  }

  private async deliveryFor(e: RelayedEvent, names: Names): Promise<Delivery | undefined> {
    if (!e.orgId) return undefined;
    switch (e.type) {
      case "task.created":
      case "task.updated":
        return this.taskChanged(e, e.orgId, names);
      case "comment.created":
        return this.commented(e, e.orgId, names);
      default:
        return e.type.startsWith("approval.") ? this.approval(e, e.orgId, names) : undefined;
    }
  }

  /** Assignment (on create or change) to the new assignee; a status change to the watchers. */
  private async taskChanged(e: RelayedEvent, orgId: string, names: Names): Promise<Delivery | undefined> {
    const taskId = str(e.data.id);
    const changes = (e.data.changes ?? {}) as Changes;
    const assigneeId = e.type === "task.created" ? str(e.data.assigneeId) : str(changes.assigneeId?.to);
    const status = e.type === "task.updated" ? changes.status : undefined;
    if (!taskId || (!assigneeId && !status)) return undefined;
    const task = await this.facts.brief(taskId);
    if (!task) return undefined;
    const base: NotificationParams = { actorName: nameOf(names, e.actorId), taskKey: task.key, taskTitle: task.title };
    const link = taskLink(task.key);
    const drafts: Draft[] = [];
    if (assigneeId) drafts.push({ userId: assigneeId, type: "task.assigned", params: { ...base, dueDate: task.dueDate }, link });
    if (status) {
      const name = (s: unknown) => (typeof s === "string" ? (task.statusNames[s] ?? s) : "");
      const params = { ...base, from: name(status.from), to: name(status.to) };
      for (const userId of (await this.watchers.of(task)).keys()) drafts.push({ userId, type: "task.status_changed", params, link });
    }
    return { sourceId: e.id, orgId, actorId: e.actorId, projectId: task.projectId, at: e.at, drafts };
  }

  /** Mentioned users first, then the task's other watchers. */
  private async commented(e: RelayedEvent, orgId: string, names: Names): Promise<Delivery | undefined> {
    const taskId = str(e.data.taskId);
    if (!taskId) return undefined;
    const task = await this.facts.brief(taskId);
    if (!task) return undefined;
    const params: NotificationParams = { actorName: nameOf(names, e.actorId), taskKey: task.key, taskTitle: task.title, excerpt: excerpt(str(e.data.body) ?? "") };
    const link = taskLink(task.key);
    const drafts: Draft[] = strings(e.data.mentions).map((userId) => ({ userId, type: "task.mentioned" as const, params, link }));
    for (const userId of (await this.watchers.of(task)).keys()) drafts.push({ userId, type: "task.commented", params, link });
    return { sourceId: e.id, orgId, actorId: e.actorId, projectId: task.projectId, at: e.at, drafts };
  }

  private async approval(e: RelayedEvent, orgId: string, names: Names): Promise<Delivery | undefined> {
    const approvalId = str(e.data.approvalId);
    if (!approvalId) return undefined;
    const initiatorId = str(e.data.initiatorId);
    const params: NotificationParams = {
      approvalTitle: str(e.data.title) ?? "",
      actorName: nameOf(names, e.actorId),
      initiatorName: nameOf(names, initiatorId),
    };
    const link = approvalLink(approvalId);
    const timedOut = (str(e.data.action) ?? "").startsWith("timeout.");
    const to = (userIds: string[], type: Draft["type"], extra: NotificationParams = {}): Draft[] => userIds.map((userId) => ({ userId, type, params: { ...params, ...extra }, link }));
    let drafts: Draft[] = [];
    switch (e.type) {
      case "approval.task.assigned": {
        const tasks = Array.isArray(e.data.tasks) ? (e.data.tasks as { assigneeId?: unknown }[]) : [];
        drafts = to(tasks.map((t) => str(t.assigneeId)).filter((x): x is string => x !== null), "approval.assigned");
        break;
      }
      case "approval.finished":
      case "approval.returned":
        if (initiatorId) drafts = to([initiatorId], timedOut ? "approval.timed_out" : "approval.decided", { outcome: str(e.data.status) });
        break;
      case "approval.urged":
        drafts = to(strings(e.data.userIds), "approval.urged");
        break;
      case "approval.reminded":
        drafts = to(strings(e.data.userIds), "approval.timed_out", { outcome: null });
        break;
      case "approval.cc":
        drafts = to(strings(e.data.userIds), "approval.cc");
        break;
    }
    return drafts.length === 0 ? undefined : { sourceId: e.id, orgId, actorId: e.actorId, projectId: null, at: e.at, drafts };
  }
}
