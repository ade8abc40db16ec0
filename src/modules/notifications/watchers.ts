import type { Actor } from "../../platform/actor.js";
import type { Platform } from "../../platform/index.js";
import type { TaskBrief } from "../tasks/facts.js";
import type { TasksService } from "../tasks/service.js";
import { notificationsRepo, watchersRepo } from "./repository.js";

export type WatchReason = "reporter" | "assignee" | "mentioned" | "explicit";

/**
 * Who watches a task: its reporter, its assignee and everyone mentioned on it
 * watch automatically; anyone who can see it may watch or unwatch explicitly
 * (an unwatch also silences automatic watching). Computed from the task as it
 * is now, so a change of assignee moves the watching with it.
 */
export class TaskWatchers {
  constructor(
    private readonly p: Platform,
    private readonly tasks: TasksService,
  ) {}

  /** Watching users with why they watch (no visibility filter: the writer applies it). */
  async of(task: TaskBrief): Promise<Map<string, WatchReason[]>> {
    const reasons = new Map<string, WatchReason[]>();
    const add = (userId: string | null, why: WatchReason) => {
      if (userId) reasons.set(userId, [...(reasons.get(userId) ?? []), why]);
    };
    add(task.reporterId, "reporter");
    add(task.assigneeId, "assignee");
    for (const id of task.mentionedIds) add(id, "mentioned");
    for (const row of await watchersRepo.of(this.p.db, task.id)) {
      if (row.watching) add(row.user_id, "explicit");
      else reasons.delete(row.user_id);
    }
    return reasons;
  }

  async setWatching(actor: Actor, idOrKey: string, watching: boolean): Promise<void> {
    const task = await this.tasks.get(actor, idOrKey);
    await watchersRepo.set(this.p.db, task.id, actor.userId, watching);
  }

  /** The watchers a reader of the task sees: only people who can see it too. */
  async list(actor: Actor, idOrKey: string) {
    const task = await this.tasks.get(actor, idOrKey);
    const brief = await this.tasks.facts.brief(task.id);
    if (!brief) return { items: [], nextCursor: null };
    const reasons = await this.of(brief);
    const visible: string[] = [];
    for (const userId of reasons.keys()) if (await this.tasks.facts.canSee(userId, brief.projectId)) visible.push(userId);
    const names = await notificationsRepo.names(this.p.db, visible);
    const items = visible
      .map((userId) => ({ userId, name: names.get(userId) ?? "", reasons: reasons.get(userId)! }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
    return { items, nextCursor: null };
  }
}
