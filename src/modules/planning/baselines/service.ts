import type { Actor } from "../../../platform/actor.js";
import { DomainError, notFound } from "../../../platform/errors.js";
import { newId } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import { appendAudit } from "../../audit/repository.js";
import type { ProjectsService } from "../../projects/service.js";
import { doneStatuses } from "../../tasks/rules.js";
import type { CalendarService } from "../calendar/service.js";
import { compileCalendar, ordinalOf } from "../calendar/workdays.js";
import type { ScheduleService } from "../schedule/service.js";
import { baselinesRepo, type BaselineRow } from "./repository.js";

const toBaseline = (b: BaselineRow) => ({ id: b.id, projectId: b.project_id, name: b.name, createdBy: b.created_by, createdAt: b.created_at, taskCount: b.task_count });
const latest = (dates: string[]) => dates.reduce<string | null>((a, d) => (a === null || d > a ? d : a), null);

/** Named snapshots of a project's schedule and the variance since: planned vs current vs actual. */
export class BaselinesService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly schedule: ScheduleService,
    private readonly calendar: CalendarService,
  ) {}

  async create(actor: Actor, projectId: string, name: string) {
    const { project } = await this.projects.access(actor, projectId, "project.update");
    const { schedule: plan, tasks: planned } = await this.schedule.plan(project, "en", this.p.db);
    const estimates = new Map(planned.map((t) => [t.id, t.estimateHours]));
    const tasks = plan.tasks.map((t) => ({
      taskId: t.id,
      key: t.key,
      earlyStart: t.earlyStart,
      earlyFinish: t.earlyFinish,
      durationDays: t.durationDays,
      milestone: t.milestone,
      estimateHours: estimates.get(t.id) ?? null,
      summary: t.summary,
    }));
    return this.p.db.tx(async (tx) => {
      const row = await baselinesRepo.insert(tx, { id: newId(), orgId: project.org_id, projectId: project.id, name: name.trim(), createdBy: actor.userId }, tasks);
      if (!row) throw new DomainError("conflict", `The project already has a baseline named "${name.trim()}"`);
      const baseline = toBaseline(row);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "baseline.create", targetType: "baseline", targetId: row.id, changes: { name: row.name, tasks: tasks.length } });
      await emitEvents(tx, actor.userId, [{ type: "baseline.created", orgId: project.org_id, projectId: project.id, data: baseline }]);
      return baseline;
    });
  }

  async list(actor: Actor, projectId: string) {
    const { project } = await this.projects.access(actor, projectId);
    return { items: (await baselinesRepo.list(this.p.db.readFor(actor), project.id)).map(toBaseline), nextCursor: null };
  }

  async variance(actor: Actor, projectId: string, baselineId: string) {
    const { project } = await this.projects.access(actor, projectId);
    const q = this.p.db.readFor(actor);
    const row = await baselinesRepo.get(q, project.id, baselineId);
    if (!row) throw notFound("Baseline");
    const planned = await baselinesRepo.tasks(q, row.id);
    const current = await this.schedule.compute(project, "en", q);
    const actuals = await baselinesRepo.actuals(q, project.id, doneStatuses(project.workflow));
    const cal = compileCalendar((await this.calendar.rulesOf(project.org_id, q)).rules);
    const shift = (from: string, to: string) => ordinalOf(cal, to) - ordinalOf(cal, from);

    const now = new Map(current.tasks.map((t) => [t.id, t]));
    const before = new Map(planned.map((t) => [t.taskId, t]));
    const ids = [...current.tasks.map((t) => t.id), ...planned.filter((t) => !now.has(t.taskId)).map((t) => t.taskId)];
    const tasks = ids.map((id) => {
      const b = before.get(id);
      const c = now.get(id);
      return {
        taskId: id,
        key: c?.key ?? b!.key,
        change: b && c ? ("kept" as const) : b ? ("removed" as const) : ("added" as const),
        planned: b ? { start: b.earlyStart, finish: b.earlyFinish } : null,
        current: c ? { start: c.earlyStart, finish: c.earlyFinish } : null,
        actual: actuals.get(id) ?? { start: null, finish: null },
        startVarianceDays: b && c ? shift(b.earlyStart, c.earlyStart) : null,
        finishVarianceDays: b && c ? shift(b.earlyFinish, c.earlyFinish) : null,
      };
    });
    const plannedFinish = latest(planned.map((t) => t.earlyFinish));
    return {
      baseline: toBaseline(row),
      projectFinish: {
        baseline: plannedFinish,
        current: current.projectFinish,
        varianceDays: plannedFinish !== null && current.projectFinish !== null ? shift(plannedFinish, current.projectFinish) : null,
      },
      tasks,
    };
  }

  async remove(actor: Actor, projectId: string, baselineId: string): Promise<void> {
    const { project } = await this.projects.access(actor, projectId, "project.update");
    await this.p.db.tx(async (tx) => {
      if (!(await baselinesRepo.remove(tx, project.id, baselineId))) throw notFound("Baseline");
      await appendAudit(tx, actor, { orgId: project.org_id, action: "baseline.delete", targetType: "baseline", targetId: baselineId, changes: {} });
      await emitEvents(tx, actor.userId, [{ type: "baseline.deleted", orgId: project.org_id, projectId: project.id, data: { id: baselineId } }]);
    });
  }
}
