import type { App } from "../../http/types.js";
import type { Platform } from "../../platform/index.js";
import type { OrgsService } from "../orgs/service.js";
import type { ProjectsService } from "../projects/service.js";
import type { TasksService } from "../tasks/service.js";
import { TaskLocator } from "../tasks/locate.js";
import { registerAssignmentRoutes } from "./assignment/routes.js";
import { AssignmentService } from "./assignment/service.js";
import { registerBaselineRoutes } from "./baselines/routes.js";
import { BaselinesService } from "./baselines/service.js";
import { registerCalendarRoutes } from "./calendar/routes.js";
import { CalendarService } from "./calendar/service.js";
import { registerDependencyRoutes } from "./dependencies/routes.js";
import { DependenciesService } from "./dependencies/service.js";
import { registerEarnedValueRoutes } from "./earned/routes.js";
import { EarnedValueService } from "./earned/service.js";
import { registerCalendarFeedRoutes } from "./ical/routes.js";
import { CalendarFeedsService } from "./ical/service.js";
import { registerLevellingRoutes } from "./levelling/routes.js";
import { LevellingService } from "./levelling/service.js";
import { registerRecurrenceRoutes } from "./recurrence/routes.js";
import { RecurrencesService } from "./recurrence/service.js";
import { registerScheduleRoutes } from "./schedule/routes.js";
import { registerSchedulingRoutes } from "./schedule/scheduling.routes.js";
import { SchedulingService } from "./schedule/scheduling.js";
import { ScheduleService } from "./schedule/service.js";
import { registerWorklogRoutes } from "./worklogs/routes.js";
import { WorklogsService } from "./worklogs/service.js";
import { registerWorkloadRoutes } from "./workload/routes.js";
import { WorkloadService } from "./workload/service.js";

/** Planning and resource allocation: dependencies, calendars, schedule and scheduling modes, baselines, earned value, worklogs, workload, automatic assignment, levelling, recurring tasks, iCal feeds. */
export function createPlanning(p: Platform, orgs: OrgsService, projects: ProjectsService, tasks: TasksService) {
  const locator = new TaskLocator(p.db, projects);
  const calendar = new CalendarService(p, orgs);
  const scheduling = new SchedulingService(p, projects, calendar);
  const schedule = new ScheduleService(p, projects, calendar);
  const workload = new WorkloadService(p, orgs, projects, calendar);
  const assignment = new AssignmentService(p, orgs, projects, workload);
  const dependencies = new DependenciesService(p, locator, orgs, scheduling);
  // Task writes call back into planning inside their own transactions.
  tasks.useSchedulingHook({
    lock: (tx, orgId) => scheduling.lock(tx, orgId),
    datesChanged: (tx, journal, task) => scheduling.datesChanged(tx, journal, task),
    taskCreated: (tx, journal, task) => assignment.assign(tx, journal, task),
    parentChanging: (tx, task, parentId) => dependencies.assertParentFits(tx, task, parentId),
  });
  return {
    calendar,
    scheduling,
    schedule,
    assignment,
    workload,
    levelling: new LevellingService(p, projects, schedule, workload, scheduling),
    recurrences: new RecurrencesService(p, projects, tasks),
    feeds: new CalendarFeedsService(p, orgs, projects),
    baselines: new BaselinesService(p, projects, schedule, calendar),
    earned: new EarnedValueService(p, projects, schedule, calendar),
    dependencies,
    worklogs: new WorklogsService(p, locator),
  };
}

export type Planning = ReturnType<typeof createPlanning>;

export function registerPlanningRoutes(app: App, planning: Planning): void {
  registerDependencyRoutes(app, planning.dependencies);
  registerCalendarRoutes(app, planning.calendar);
  registerScheduleRoutes(app, planning.schedule);
  registerSchedulingRoutes(app, planning.scheduling);
  registerBaselineRoutes(app, planning.baselines);
  registerEarnedValueRoutes(app, planning.earned);
  registerAssignmentRoutes(app, planning.assignment);
  registerLevellingRoutes(app, planning.levelling);
  registerRecurrenceRoutes(app, planning.recurrences);
  registerCalendarFeedRoutes(app, planning.feeds);
  registerWorklogRoutes(app, planning.worklogs);
  registerWorkloadRoutes(app, planning.workload);
}
