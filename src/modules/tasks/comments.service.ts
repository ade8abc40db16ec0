import type { Actor } from "../../platform/actor.js";
import { decodeCursor, pageOf } from "../../platform/cursor.js";
import { invalid } from "../../platform/errors.js";
import { isUuid, newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { activityRepo, commentsRepo, mentionableMembers, type CommentRow } from "./comments.repository.js";
import { TaskJournal } from "./journal.js";
import type { TaskLocator } from "./locate.js";
import { lookupKeys, parseMentions, resolveMentions } from "./mentions.js";
import { taskKey } from "./model.js";

const toComment = (c: CommentRow) => ({
  id: c.id,
  taskId: c.task_id,
  authorId: c.author_id,
  body: c.body,
  mentions: c.mentions,
  createdAt: c.created_at,
});

const badCursor = () => invalid("query.cursor", "is not a cursor of this list");

/** Comments on a task (with @mentions) and the task's activity history. */
export class TaskComments {
  constructor(
    private readonly p: Platform,
    private readonly locator: TaskLocator,
  ) {}

  async create(actor: Actor, idOrKey: string, body: string) {
    const { task, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const project = access.project;
    const candidates = parseMentions(body);
    const { emails, names } = lookupKeys(candidates);
    const members = await mentionableMembers(this.p.db, project.org_id, project.id, emails, names);
    const mentions = resolveMentions(candidates, members);
    return this.p.db.tx(async (tx) => {
      const row = await commentsRepo.insert(tx, { id: newId(), orgId: project.org_id, taskId: task.id, authorId: actor.userId, body, mentions });
      const comment = toComment(row);
      const journal = new TaskJournal(actor, project);
      journal.record(task.id, "commented", { commentId: row.id, mentions });
      // Notifications (a later module) read the mentions from this event.
      journal.emit("comment.created", { ...comment, taskKey: taskKey(project.key, task.number), taskTitle: task.title, assigneeId: task.assignee_id });
      await journal.flush(tx, { action: "comment.create", targetType: "comment", targetId: row.id, changes: { taskId: task.id, mentions } });
      return comment;
    });
  }

  async list(actor: Actor, idOrKey: string, q: { limit?: number; cursor?: string }) {
    const { task } = await this.locator.find(actor, idOrKey);
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 2);
    if (c && (typeof c[0] !== "number" || !Number.isSafeInteger(c[0]) || c[0] < 0 || typeof c[1] !== "string" || !isUuid(c[1]))) throw badCursor();
    const rows = await commentsRepo.page(this.p.db.readFor(actor), task.id, c ? { us: c[0] as number, id: c[1] as string } : undefined, limit + 1);
    return pageOf(rows, limit, (r) => [r.cursor_us, r.id], toComment);
  }

  async activity(actor: Actor, idOrKey: string, q: { limit?: number; cursor?: string }) {
    const { task } = await this.locator.find(actor, idOrKey);
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 1);
    if (c && (typeof c[0] !== "number" || !Number.isSafeInteger(c[0]) || c[0] < 0)) throw badCursor();
    const rows = await activityRepo.page(this.p.db.readFor(actor), task.id, c ? (c[0] as number) : undefined, limit + 1);
    return pageOf(rows, limit, (r) => [r.id], (r) => ({ at: r.at, actorId: r.actor_id, action: r.action, changes: r.changes }));
  }
}
