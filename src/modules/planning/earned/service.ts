import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import { invalid, notFound } from "../../../platform/errors.js";
import type { Platform } from "../../../platform/index.js";
import type { ProjectsService } from "../../projects/service.js";
import { baselinesRepo } from "../baselines/repository.js";
import type { CalendarService } from "../calendar/service.js";
import { compileCalendar } from "../calendar/workdays.js";
import type { ScheduleService } from "../schedule/service.js";
import { earnedRepo } from "./repository.js";
import type { EarnedValueQuery } from "./schemas.js";
import { earnedValue, periodsCovering, type PlannedBudget, type ProgressHistory } from "./value.js";

export type EarnedValueInput = Static<typeof EarnedValueQuery>;

export const MAX_PERIODS = 366;

const round2 = (h: number) => Math.round(h * 100) / 100;

/**
 * A project's earned value over time. Budgets are estimates in hours. The plan is
 * the current schedule's early dates, or a baseline's dates and budgets. Percent
 * complete on past days comes from the task activity, which records every change.
 */
export class EarnedValueService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly schedule: ScheduleService,
    private readonly calendar: CalendarService,
  ) {}

  async get(actor: Actor, projectId: string, q: EarnedValueInput) {
    const { project } = await this.projects.access(actor, projectId);
    if (q.to < q.from) throw invalid("query.to", "must be on or after from");
    const interval = q.interval ?? "week";
    const periods = periodsCovering(q.from, q.to, interval);
    if (periods.length > MAX_PERIODS) throw invalid("query.to", `gives ${periods.length} periods, more than ${MAX_PERIODS}: choose a longer interval`);
    const db = this.p.db.read;
    const baseline = q.baselineId === undefined ? undefined : await baselinesRepo.get(db, project.id, q.baselineId);
    if (q.baselineId !== undefined && !baseline) throw notFound("Baseline");

    const { schedule, tasks } = await this.schedule.plan(project, "en", db);
    const estimate = new Map(tasks.map((t) => [t.id, t.estimateHours ?? 0]));
    const summaries = new Set(schedule.tasks.filter((t) => t.summary).map((t) => t.id));
    // Each task's budget: the baseline's when it has one, else its estimate now.
    const budget = new Map<string, number>();
    let planned: PlannedBudget[];
    if (baseline) {
      const saved = await baselinesRepo.tasks(db, baseline.id);
      // Baselines saved before budgets were kept plan with today's estimates and subtasks.
      const leaf = (t: (typeof saved)[number]) => (t.summary === null ? !summaries.has(t.taskId) : !t.summary);
      planned = saved.filter(leaf).map((t) => {
        const hours = t.summary === null ? (estimate.get(t.taskId) ?? 0) : (t.estimateHours ?? 0);
        budget.set(t.taskId, hours);
        return { hours, start: t.earlyStart, finish: t.earlyFinish };
      });
    } else {
      planned = schedule.tasks.filter((t) => !t.summary).map((t) => ({ hours: estimate.get(t.id)!, start: t.earlyStart, finish: t.earlyFinish }));
    }

    const [history, worklogs, { rules }] = [await earnedRepo.progressHistory(db, project.id), await earnedRepo.hoursPerDay(db, project.id), await this.calendar.rulesOf(project.org_id, db)];
    const progress: ProgressHistory[] = history
      .filter((h) => !summaries.has(h.id))
      .map((h) => ({ hours: budget.get(h.id) ?? estimate.get(h.id) ?? 0, createdOn: h.createdOn, current: h.progress, changes: h.changes }));
    const today = new Date().toISOString().slice(0, 10);
    return {
      projectId: project.id,
      baselineId: baseline?.id ?? null,
      interval,
      asOf: today,
      budgetHours: round2(planned.reduce((sum, b) => sum + b.hours, 0)),
      periods: earnedValue({ calendar: compileCalendar(rules), periods, planned, progress, worklogs, today }),
    };
  }
}
