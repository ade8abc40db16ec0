import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import type { Queryable } from "../../../platform/db/index.js";
import { invalid, notFound } from "../../../platform/errors.js";
import type { Platform } from "../../../platform/index.js";
import type { OrgsService } from "../../orgs/service.js";
import type { ProjectsService } from "../../projects/service.js";
import { calendarRepo } from "../calendar/repository.js";
import type { CalendarService } from "../calendar/service.js";
import { addDays, compileCalendar, dateOf, dayNumber, withDaysOff, type WorkCalendar } from "../calendar/workdays.js";
import { computeWorkload, weeksCovering, type OpenTask, type Person, type PersonLoad, type Week } from "./allocate.js";
import type { WorkloadQuery } from "./schemas.js";
import { workloadRepo } from "./repository.js";

export type WorkloadInput = Static<typeof WorkloadQuery>;

export const MAX_WEEKS = 53;

export interface WorkloadData {
  loads: PersonLoad[];
  tasks: OpenTask[];
  people: Person[];
  org: { calendar: WorkCalendar; hoursPerDay: number };
}

/** Hours allocated per person per week against their capacity, org-wide or for one project. */
export class WorkloadService {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
    private readonly projects: ProjectsService,
    private readonly calendar: CalendarService,
  ) {}

  async get(actor: Actor, orgId: string, q: WorkloadInput) {
    await this.orgs.authorize(actor, orgId, "projects.read_all");
    if (q.to < q.from) throw invalid("query.to", "must be on or after from");
    const weeks = weeksCovering(q.from, q.to);
    if (weeks.length > MAX_WEEKS) throw invalid("query.to", `must be within ${MAX_WEEKS} weeks of from`);
    if (q.projectId !== undefined) {
      const { project } = await this.projects.access(actor, q.projectId);
      if (project.org_id !== orgId) throw notFound("Project");
    }
    const projectId = q.projectId;
    const db = this.p.db.readFor(actor);
    const { loads, tasks } = await this.loads(db, orgId, weeks, projectId);
    if (projectId === undefined) return { weeks, users: loads };
    // A project's view: its explicit members and whoever has work in it.
    const involved = new Set([...(await workloadRepo.projectMemberIds(db, projectId)), ...tasks.filter((t) => t.projectId === projectId).map((t) => t.assigneeId)]);
    return { weeks, users: loads.filter((l) => involved.has(l.userId)) };
  }

  /** Every member's load over whole weeks (no access check; `q` may be a transaction). */
  async loads(q: Queryable, orgId: string, weeks: Week[], projectId?: string): Promise<WorkloadData> {
    const from = weeks[0]!.start;
    const to = weeks[weeks.length - 1]!.end;
    const org = await this.calendar.rulesOf(orgId, q);
    const orgCalendar = compileCalendar(org.rules);
    const rows = await workloadRepo.openTasks(q, orgId, from, to);

    // Time off matters over the whole of each task's window, not only the weeks shown.
    const dated = rows.flatMap((t) => [t.start_date, t.due_date]).filter((d): d is string => d !== null);
    const spanFrom = dated.reduce((a, d) => (d < a ? d : a), from);
    const spanTo = dated.reduce((a, d) => (d > a ? d : a), to);
    const members = await calendarRepo.memberCapacities(q, orgId, addDays(spanFrom, -MAX_WEEKS * 7), addDays(spanTo, MAX_WEEKS * 7));
    const people: Person[] = members.map((m) => {
      const own = m.working_weekdays !== null || m.time_off.length > 0;
      const rules = { workingWeekdays: m.working_weekdays ?? org.rules.workingWeekdays, exceptions: org.rules.exceptions };
      return {
        userId: m.user_id,
        name: m.name,
        hoursPerDay: m.hours_per_day ?? org.hoursPerDay,
        calendar: own ? compileCalendar(withDaysOff(rules, m.time_off.flatMap((o) => daysOf(o.start, o.end)))) : orgCalendar,
      };
    });
    const tasks: OpenTask[] = rows.map((t) => ({ id: t.id, assigneeId: t.assignee_id, projectId: t.project_id, startDate: t.start_date, dueDate: t.due_date, remainingHours: t.remaining_hours }));
    const orgWeek = { calendar: orgCalendar, hoursPerDay: org.hoursPerDay };
    const loads = computeWorkload({ weeks, people, tasks, org: orgWeek, ...(projectId !== undefined ? { projectId } : {}) });
    return { loads, tasks, people, org: orgWeek };
  }
}

/** Every date of a time-off range (ranges are at most 366 days). */
function daysOf(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = dayNumber(start); d <= dayNumber(end); d++) out.push(dateOf(d));
  return out;
}
