import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import { DomainError, forbidden, notFound } from "../../../platform/errors.js";
import { newId } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import { appendAudit } from "../../audit/repository.js";
import type { ProjectsService } from "../../projects/service.js";
import type { TasksService } from "../../tasks/service.js";
import { addDays } from "../calendar/workdays.js";
import { recurrencesRepo, type RecurrenceRow } from "./repository.js";
import { dueOccurrences, nextOccurrence, type RecurrenceBounds } from "./rule.js";
import type { CreateRecurrenceBody } from "./schemas.js";

export type CreateRecurrenceInput = Static<typeof CreateRecurrenceBody>;

// Per series and tick: a scheduler that was down catches up over a few ticks instead of in one long transaction.
const MAX_PER_TICK = 31;
const SERIES_PER_TICK = 50;

const boundsOf = (r: Pick<RecurrenceRow, "start_date" | "end_date" | "max_count">): RecurrenceBounds => ({ startDate: r.start_date, endDate: r.end_date, count: r.max_count });
const toRecurrence = (r: RecurrenceRow) => ({
  id: r.id,
  projectId: r.project_id,
  createdBy: r.created_by,
  template: r.template,
  rule: r.rule,
  startDate: r.start_date,
  endDate: r.end_date,
  count: r.max_count,
  createdCount: r.created_count,
  lastDate: r.last_date,
  nextDate: r.next_date,
  createdAt: r.created_at,
});
const unprocessable = (path: string, message: string) => new DomainError("unprocessable", `${path.replace(/^body\./, "")} ${message}`, { errors: [{ path, message }] });
const utcToday = (now: Date) => now.toISOString().slice(0, 10);

/** Recurring tasks: a template and a rule; the cron role creates each occurrence's task once. */
export class RecurrencesService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly tasks: TasksService,
  ) {}

  async create(actor: Actor, projectId: string, input: CreateRecurrenceInput) {
    const { project } = await this.projects.access(actor, projectId, "tasks.write");
    if (input.template.assigneeId) await this.tasks.assertAssignee(actor, project.id, input.template.assigneeId);
    if (input.endDate !== undefined && input.endDate !== null && input.endDate < input.startDate) throw unprocessable("body.endDate", "must be on or after startDate");
    const bounds = { startDate: input.startDate, endDate: input.endDate ?? null, count: input.count ?? null };
    const next = nextOccurrence(input.rule, bounds, null);
    if (next === null) throw unprocessable("body.endDate", "leaves no occurrence between startDate and endDate");
    return this.p.db.tx(async (tx) => {
      const row = await recurrencesRepo.insert(tx, {
        id: newId(),
        orgId: project.org_id,
        projectId: project.id,
        createdBy: actor.userId,
        template: input.template,
        rule: input.rule,
        startDate: input.startDate,
        endDate: bounds.endDate,
        maxCount: bounds.count,
        nextDate: next,
      });
      await appendAudit(tx, actor, { orgId: project.org_id, action: "recurrence.create", targetType: "recurrence", targetId: row.id, changes: { rule: input.rule, title: input.template.title } });
      await emitEvents(tx, actor.userId, [{ type: "recurrence.created", orgId: project.org_id, projectId: project.id, data: { id: row.id, nextDate: next } }]);
      return toRecurrence(row);
    });
  }

  async list(actor: Actor, projectId: string) {
    const { project } = await this.projects.access(actor, projectId);
    return { items: (await recurrencesRepo.list(this.p.db.readFor(actor), project.id)).map(toRecurrence), nextCursor: null };
  }

  /** Stops a series (the tasks already made stay): its creator or a project manager. */
  async remove(actor: Actor, projectId: string, recurrenceId: string): Promise<void> {
    const { project, role } = await this.projects.access(actor, projectId);
    await this.p.db.tx(async (tx) => {
      const mine = (await recurrencesRepo.list(tx, project.id)).find((r) => r.id === recurrenceId);
      if (!mine) throw notFound("Recurring task");
      if (role !== "manager" && mine.created_by !== actor.userId) throw forbidden("Only its creator or a project manager can stop a recurring task");
      await recurrencesRepo.remove(tx, project.id, recurrenceId);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "recurrence.delete", targetType: "recurrence", targetId: recurrenceId, changes: { createdCount: mine.created_count } });
      await emitEvents(tx, actor.userId, [{ type: "recurrence.deleted", orgId: project.org_id, projectId: project.id, data: { id: recurrenceId } }]);
    });
  }

  /**
   * The cron role's tick: creates the tasks of every occurrence due by today (UTC).
   * Each series is claimed with SKIP LOCKED and each occurrence has a primary key,
   * so nodes racing on the same series create every task exactly once.
   */
  async createDue(now = new Date()): Promise<{ created: number; stopped: number }> {
    const today = utcToday(now);
    let created = 0;
    let stopped = 0;
    for (const series of await recurrencesRepo.due(this.p.db, today, SERIES_PER_TICK)) {
      const actor: Actor = { userId: series.created_by, isInstanceAdmin: false, ip: "cron", requestId: `recurrence:${series.id}` };
      const access = await this.projects.access(actor, series.project_id, "tasks.write").catch((err: unknown) => {
        if (err instanceof DomainError) return undefined;
        throw err;
      });
      const assigneeId = series.template.assigneeId ?? null;
      // Someone who can no longer see the project gets no new tasks there: they are made unassigned.
      const keepsAssignee = assigneeId !== null && access !== undefined && (await this.tasks.assertAssignee(actor, series.project_id, assigneeId).then(() => true, () => false));
      await this.p.db.tx(async (tx) => {
        const row = await recurrencesRepo.claim(tx, series.id, today);
        if (!row) return;
        if (!access) {
          // Its creator lost access (or the project was archived): the series ends here.
          await recurrencesRepo.advance(tx, row.id, row.last_date, row.created_count, null);
          stopped++;
          return;
        }
        let last = row.last_date;
        let count = row.created_count;
        for (const date of dueOccurrences(row.rule, boundsOf(row), row.last_date, today, MAX_PER_TICK)) {
          last = date;
          if (!(await recurrencesRepo.addOccurrence(tx, row.id, date))) continue;
          const t = row.template;
          const task = await this.tasks.createWithin(tx, actor, access.project, {
            title: t.title,
            ...(t.description !== undefined ? { description: t.description } : {}),
            ...(t.priority !== undefined ? { priority: t.priority } : {}),
            ...(t.labels !== undefined ? { labels: t.labels } : {}),
            ...(t.estimateHours !== undefined ? { estimateHours: t.estimateHours } : {}),
            ...(keepsAssignee ? { assigneeId } : {}),
            startDate: date,
            dueDate: addDays(date, t.dueAfterDays ?? 0),
          });
          await recurrencesRepo.setOccurrenceTask(tx, row.id, date, task.id);
          count++;
          created++;
        }
        await recurrencesRepo.advance(tx, row.id, last, count, nextOccurrence(row.rule, boundsOf(row), last));
      });
    }
    return { created, stopped };
  }

  /** Tasks made by a series, by occurrence date (tests and support). */
  occurrences(recurrenceId: string) {
    return recurrencesRepo.occurrences(this.p.db, recurrenceId);
  }
}
