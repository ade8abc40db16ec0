import type { Actor } from "../../../platform/actor.js";
import { DomainError } from "../../../platform/errors.js";
import type { Locale } from "../../../platform/i18n.js";
import type { Platform } from "../../../platform/index.js";
import type { Queryable } from "../../../platform/db/index.js";
import type { ProjectRow } from "../../projects/repository.js";
import type { ProjectsService } from "../../projects/service.js";
import type { CalendarService } from "../calendar/service.js";
import { compileCalendar } from "../calendar/workdays.js";
import { ScheduleCycleError } from "./cpm.js";
import { buildSchedule, type PlannedTask, type ProjectSchedule } from "./plan.js";
import { scheduleRepo } from "./repository.js";

/** A project's critical-path schedule over the org's working calendar. */
export class ScheduleService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly calendar: CalendarService,
  ) {}

  async get(actor: Actor, projectId: string, locale: Locale): Promise<ProjectSchedule> {
    const { project } = await this.projects.access(actor, projectId);
    return this.compute(project, locale, this.p.db.readFor(actor));
  }

  /** The schedule of a project the caller may already see (baselines snapshot it). */
  async compute(project: Pick<ProjectRow, "id" | "org_id">, locale: Locale, q: Queryable = this.p.db.read): Promise<ProjectSchedule> {
    return (await this.plan(project, locale, q)).schedule;
  }

  /** The schedule and the project's tasks it was computed from (their estimates are budgets for earned value). */
  async plan(project: Pick<ProjectRow, "id" | "org_id">, locale: Locale, q: Queryable = this.p.db.read): Promise<{ schedule: ProjectSchedule; tasks: PlannedTask[] }> {
    const { rules, hoursPerDay } = await this.calendar.rulesOf(project.org_id, q);
    const tasks = await scheduleRepo.projectTasks(q, project.id);
    const { links, elsewhere } = await scheduleRepo.links(q, project.id);
    const external = await scheduleRepo.tasksById(q, elsewhere);
    try {
      const schedule = buildSchedule({
        calendar: compileCalendar(rules),
        hoursPerDay,
        tasks,
        external,
        links,
        today: new Date().toISOString().slice(0, 10),
        locale,
      });
      return { schedule, tasks };
    } catch (err) {
      // Links are checked for loops when made; this only reports damaged data instead of failing.
      if (err instanceof ScheduleCycleError) {
        const keys = tasks.filter((t) => err.ids.includes(t.id)).map((t) => t.key);
        throw new DomainError("dependency_cycle", `The dependencies of ${keys.slice(0, 20).join(", ")} form a loop; remove one of them`);
      }
      throw err;
    }
  }
}
