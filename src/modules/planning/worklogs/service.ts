import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import { decodeCursor, pageOf } from "../../../platform/cursor.js";
import { DomainError, forbidden, invalid, notFound } from "../../../platform/errors.js";
import { isUuid, newId } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { projectCan } from "../../projects/policy.js";
import { TaskJournal } from "../../tasks/journal.js";
import type { TaskLocator } from "../../tasks/locate.js";
import { taskKey } from "../../tasks/model.js";
import { tasksRepo } from "../../tasks/repository.js";
import { addDays } from "../calendar/workdays.js";
import { worklogsRepo, type WorklogRow } from "./repository.js";
import type { CreateWorklogBody } from "./schemas.js";

export type CreateWorklogInput = Static<typeof CreateWorklogBody>;

const toWorklog = (w: WorklogRow) => ({ id: w.id, taskId: w.task_id, userId: w.user_id, date: w.work_date, hours: w.hours, note: w.note, createdAt: w.created_at });

const unprocessable = (path: string, message: string) => new DomainError("unprocessable", `${path.replace(/^body\./, "")} ${message}`, { errors: [{ path, message }] });
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Hours people worked on a task; the task's spentHours is their sum, kept in the same transaction. */
export class WorklogsService {
  constructor(
    private readonly p: Platform,
    private readonly locator: TaskLocator,
  ) {}

  async add(actor: Actor, idOrKey: string, input: CreateWorklogInput) {
    const { task, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const hours = Math.round(input.hours * 100) / 100;
    if (hours <= 0) throw unprocessable("body.hours", "must be at least 0.01 once rounded to two decimals");
    // Tomorrow (UTC) still allowed: it is already today east of UTC.
    if (input.date > addDays(new Date().toISOString().slice(0, 10), 1)) throw unprocessable("body.date", "is in the future: log work once it is done");
    return this.p.db.tx(async (tx) => {
      await worklogsRepo.lockUser(tx, actor.userId);
      const already = await worklogsRepo.hoursOn(tx, actor.userId, input.date);
      if (already + hours > 24) {
        throw new DomainError("daily_hours_exceeded", `You already logged ${already} hours on ${input.date}; ${hours} more would pass 24`, {
          errors: [{ path: "body.hours", message: `at most ${Math.max(0, Math.round((24 - already) * 100) / 100)} more hours on ${input.date}` }],
        });
      }
      const spent = await tasksRepo.addSpentHours(tx, task.id, hours);
      if (!spent) throw notFound("Task");
      const row = await worklogsRepo.insert(tx, { id: newId(), orgId: task.org_id, taskId: task.id, userId: actor.userId, date: input.date, hours, note: (input.note ?? "").trim() });
      const worklog = toWorklog(row);
      const key = taskKey(access.project.key, task.number);
      const journal = new TaskJournal(actor, access.project);
      const spentHours = { from: spent.from, to: spent.to };
      journal.record(task.id, "worklog_added", { worklogId: row.id, hours, date: row.work_date, spentHours });
      journal.emit("worklog.created", { ...worklog, taskKey: key });
      journal.emit("task.updated", { id: task.id, key, version: spent.version, changes: { spentHours } });
      await journal.flush(tx, { action: "worklog.create", targetType: "worklog", targetId: row.id, changes: { taskId: task.id, key, hours, date: row.work_date } });
      return worklog;
    });
  }

  async list(actor: Actor, idOrKey: string, q: { limit?: number; cursor?: string }) {
    const { task } = await this.locator.find(actor, idOrKey);
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 2);
    if (c && !(typeof c[0] === "string" && DATE_RE.test(c[0]) && typeof c[1] === "string" && isUuid(c[1]))) throw invalid("query.cursor", "is not a cursor of this list");
    const rows = await worklogsRepo.page(this.p.db.readFor(actor), task.id, c ? { date: c[0] as string, id: c[1] as string } : undefined, limit + 1);
    return pageOf(rows, limit, (r) => [r.work_date, r.id], toWorklog);
  }

  /** The author (while still allowed to work on the task) or a project manager may take a worklog back. */
  async remove(actor: Actor, idOrKey: string, worklogId: string): Promise<void> {
    const { task, access } = await this.locator.find(actor, idOrKey);
    const seen = await worklogsRepo.byId(this.p.db, worklogId);
    if (!seen || seen.task_id !== task.id) throw notFound("Worklog");
    const mayRemove = access.role === "manager" || (seen.user_id === actor.userId && projectCan(access.role, "tasks.write"));
    if (!mayRemove) throw forbidden("Only the author or a project manager can remove a worklog");
    await this.p.db.tx(async (tx) => {
      const removed = await worklogsRepo.remove(tx, worklogId);
      if (!removed) throw notFound("Worklog");
      const spent = await tasksRepo.addSpentHours(tx, task.id, -removed.hours);
      if (!spent) throw notFound("Task");
      const key = taskKey(access.project.key, task.number);
      const journal = new TaskJournal(actor, access.project);
      const spentHours = { from: spent.from, to: spent.to };
      journal.record(task.id, "worklog_removed", { worklogId, hours: removed.hours, date: removed.work_date, authorId: removed.user_id, spentHours });
      journal.emit("worklog.deleted", { id: worklogId, taskId: task.id, taskKey: key });
      journal.emit("task.updated", { id: task.id, key, version: spent.version, changes: { spentHours } });
      await journal.flush(tx, { action: "worklog.delete", targetType: "worklog", targetId: worklogId, changes: { taskId: task.id, key, hours: removed.hours, date: removed.work_date } });
    });
  }
}
