import type { Locale } from "../../../platform/i18n.js";
import { dateAtOrdinal, ordinalAfter, ordinalOf, workingDaysBetween, type WorkCalendar } from "../calendar/workdays.js";
import { criticalPath, type Activity, type Driver, type FixedActivity, type Link, type TimedActivity } from "./cpm.js";
import { describeDriver, type DriverText } from "./driver.js";

// A project's schedule from its tasks' dates, estimates and dependencies (API.md):
// a task lasts its working days from startDate to dueDate inclusive; without both
// dates, ceil(estimateHours / hoursPerDay) working days (at least 1); a milestone 0.
// A task's own dates are "not before" constraints; with none, it starts with the
// project. Tasks of other projects are fixed at their planned dates.
//
// A task with subtasks is a summary: it spans them (its own estimate and due date do
// not set its length); its start date and its links hold all of them back.
// Due dates are also deadlines: a task finishing after its due date is `late`, and
// `dueSlackDays` (negative when late) shows it on the tasks that make it so. Total
// slack stays measured against the project finish, so the critical path keeps its
// meaning when most tasks carry dates.
//
// Dates shown: a task starts on working day ES and finishes on working day EF - 1.
// A milestone sits at a point between days and is shown on the day it is reached
// (the working day before its point), or on the first day when it opens the project.

export interface PlannedTask {
  id: string;
  key: string;
  startDate: string | null;
  dueDate: string | null;
  estimateHours: number | null;
  milestone: boolean;
  /** Its summary task (a task of the same project), if any. */
  parentId?: string | null;
}

export interface ScheduleInput {
  calendar: WorkCalendar;
  hoursPerDay: number;
  tasks: readonly PlannedTask[];
  /** Tasks of other projects that some task here depends on, or that depend on one here. */
  external: readonly PlannedTask[];
  links: readonly Link[];
  /** Where an undated project starts. */
  today: string;
  locale: Locale;
}

export interface ScheduledTask {
  id: string;
  key: string;
  milestone: boolean;
  /** It has subtasks: its dates span theirs. */
  summary: boolean;
  durationDays: number;
  earlyStart: string;
  earlyFinish: string;
  lateStart: string;
  lateFinish: string;
  slackDays: number;
  freeSlackDays: number;
  critical: boolean;
  /** Its own dates are earlier than its dependencies allow (manual scheduling leaves that to the user). */
  conflict: boolean;
  /** It finishes after its due date. */
  late: boolean;
  /** Working days it can slip before it, or a task after it, misses a due date; negative: that many days late; null: no due date ahead. */
  dueSlackDays: number | null;
  driver: string;
  drivenBy: { kind: Driver["kind"]; taskId?: string; taskKey?: string; type?: string; lagDays?: number; viaParentId?: string; viaParentKey?: string };
}

export interface ProjectSchedule {
  projectStart: string | null;
  projectFinish: string | null;
  criticalPath: string[];
  /** Tasks whose own dates their dependencies contradict. */
  conflicts: string[];
  /** Tasks that finish after their due date. */
  late: string[];
  tasks: ScheduledTask[];
}

// Beyond this an estimate says "unknown", not "a thousand years": keeps dates printable.
const MAX_ESTIMATED_DAYS = 100_000;

export function durationOf(t: PlannedTask, cal: WorkCalendar, hoursPerDay: number): number {
  if (t.milestone) return 0;
  if (t.startDate !== null && t.dueDate !== null) return Math.max(1, workingDaysBetween(cal, t.startDate, t.dueDate));
  const days = Math.ceil((t.estimateHours ?? 0) / hoursPerDay);
  return Math.min(MAX_ESTIMATED_DAYS, Math.max(1, days));
}

const endOf = ordinalAfter;

/** Where the task's own dates put it: its start point (before any dependency) and the date that says so. */
function anchorOf(t: PlannedTask, cal: WorkCalendar, duration: number, summary = false): Activity["notBefore"] {
  // A summary's length comes from its subtasks: only its start date holds them back.
  if (summary) return t.startDate === null ? null : { point: ordinalOf(cal, t.startDate), reason: "startDate" };
  if (t.milestone) {
    const date = t.dueDate ?? t.startDate;
    return date === null ? null : { point: endOf(cal, date), reason: "milestoneDate" };
  }
  if (t.startDate !== null) return { point: ordinalOf(cal, t.startDate), reason: "startDate" };
  if (t.dueDate !== null) return { point: endOf(cal, t.dueDate) - duration, reason: "dueDate" };
  return null;
}

export function buildSchedule(input: ScheduleInput): ProjectSchedule {
  const { calendar: cal, hoursPerDay } = input;
  if (input.tasks.length === 0) return { projectStart: null, projectFinish: null, criticalPath: [], conflicts: [], late: [], tasks: [] };

  const inProject = new Set(input.tasks.map((t) => t.id));
  const parents = new Set(input.tasks.flatMap((t) => (t.parentId != null && inProject.has(t.parentId) ? [t.parentId] : [])));
  const activities: Activity[] = input.tasks.map((t) => {
    const summary = parents.has(t.id);
    const duration = summary ? 0 : durationOf(t, cal, hoursPerDay);
    const due = t.milestone && !summary ? (t.dueDate ?? t.startDate) : t.dueDate;
    return { id: t.id, duration, notBefore: anchorOf(t, cal, duration, summary), parentId: t.parentId ?? null, deadline: due === null ? null : endOf(cal, due) };
  });
  const fixed: FixedActivity[] = [];
  for (const t of input.external) {
    const duration = durationOf(t, cal, hoursPerDay);
    const anchor = anchorOf(t, cal, duration);
    // An undated task elsewhere constrains nothing here.
    if (anchor) fixed.push({ id: t.id, start: anchor.point, finish: anchor.point + duration });
  }

  // A dated milestone's point is the end of its day; the project starts with that day.
  const startPoints = activities.flatMap((a) => (a.notBefore ? [a.notBefore.reason === "milestoneDate" ? a.notBefore.point - 1 : a.notBefore.point] : []));
  const projectStart = startPoints.length > 0 ? Math.min(...startPoints) : ordinalOf(cal, input.today);
  const cpm = criticalPath({ projectStart, activities, fixed, links: input.links });

  // Thousands of tasks share a few hundred dates: look each one up once.
  const dates = new Map<number, string>();
  const day = (point: number) => {
    let date = dates.get(point);
    if (date === undefined) dates.set(point, (date = dateAtOrdinal(cal, point)));
    return date;
  };
  // A finish point is the start of the next working day: the task ends the working day before.
  // A point at the project start itself is shown on that day (a milestone with nothing before it).
  const milestoneDay = (point: number) => day(point === projectStart ? point : point - 1);
  const shownStart = (duration: number, point: number) => (duration === 0 ? milestoneDay(point) : day(point));
  const shownFinish = (duration: number, point: number) => (duration === 0 ? milestoneDay(point) : day(point - 1));

  const byId = new Map<string, PlannedTask>([...input.external, ...input.tasks].map((t) => [t.id, t]));
  const timed = new Map<string, { start: string; finish: string }>();
  for (const a of cpm.activities) timed.set(a.id, { start: shownStart(a.duration, a.es), finish: shownFinish(a.duration, a.ef) });
  for (const f of fixed) timed.set(f.id, { start: f.finish === f.start ? day(f.start - 1) : day(f.start), finish: day(f.finish - 1) });

  const tasks = cpm.activities.map((a, i): ScheduledTask => {
    const task = input.tasks[i]!;
    const shown = timed.get(a.id)!;
    const text = driverText(a, task, shown, byId, timed);
    return {
      id: a.id,
      key: task.key,
      milestone: task.milestone && !a.summary,
      summary: a.summary,
      durationDays: a.duration,
      earlyStart: shown.start,
      earlyFinish: shown.finish,
      lateStart: shownStart(a.duration, a.ls),
      lateFinish: shownFinish(a.duration, a.lf),
      slackDays: a.slack,
      freeSlackDays: a.freeSlack,
      critical: a.critical,
      conflict: a.pushed,
      late: a.late,
      dueSlackDays: a.dueSlack,
      driver: describeDriver(text, input.locale),
      drivenBy: drivenBy(a.driver, byId),
    };
  });

  const critical = cpm.activities.map((a, i) => ({ a, i })).filter(({ a }) => a.critical);
  critical.sort((x, y) => x.a.es - y.a.es || x.a.ef - y.a.ef || x.i - y.i);
  return {
    projectStart: day(projectStart),
    projectFinish: milestoneDay(cpm.finish),
    criticalPath: critical.map(({ a }) => a.id),
    conflicts: tasks.filter((t) => t.conflict).map((t) => t.id),
    late: tasks.filter((t) => t.late).map((t) => t.id),
    tasks,
  };
}

function driverText(
  a: TimedActivity,
  task: PlannedTask,
  shown: { start: string; finish: string },
  byId: ReadonlyMap<string, PlannedTask>,
  timed: ReadonlyMap<string, { start: string; finish: string }>,
): DriverText {
  const milestone = a.duration === 0;
  const d = a.driver;
  switch (d.kind) {
    case "dependency": {
      const pred = timed.get(d.predecessorId)!;
      const tiesFinish = d.type === "FF" || d.type === "SF";
      return {
        kind: "dependency",
        date: milestone ? shown.start : tiesFinish ? shown.finish : shown.start,
        milestone,
        predecessorKey: byId.get(d.predecessorId)?.key ?? d.predecessorId,
        predecessorDate: d.type === "FS" || d.type === "FF" ? pred.finish : pred.start,
        type: d.type,
        lag: d.lag,
        ...(d.viaParentId !== undefined ? { viaParentKey: byId.get(d.viaParentId)?.key ?? d.viaParentId } : {}),
      };
    }
    case "parentStartDate": {
      const parent = byId.get(d.parentId);
      return { kind: "parentStartDate", date: shown.start, parentKey: parent?.key ?? d.parentId, planned: parent?.startDate ?? shown.start };
    }
    case "subtasks":
      return {
        kind: "subtasks",
        start: shown.start,
        finish: shown.finish,
        firstKey: byId.get(d.firstId)?.key ?? d.firstId,
        lastKey: byId.get(d.lastId)?.key ?? d.lastId,
      };
    case "startDate":
      return { kind: "startDate", date: shown.start, planned: task.startDate! };
    case "dueDate":
      return { kind: "dueDate", date: shown.finish, planned: task.dueDate! };
    case "milestoneDate":
      return { kind: "milestoneDate", date: shown.start, planned: (task.dueDate ?? task.startDate)! };
    case "projectStart":
      return { kind: "projectStart", date: shown.start, milestone };
  }
}

const keyIn = (byId: ReadonlyMap<string, PlannedTask>, id: string) => byId.get(id)?.key ?? id;

function drivenBy(d: Driver, byId: ReadonlyMap<string, PlannedTask>): ScheduledTask["drivenBy"] {
  switch (d.kind) {
    case "dependency": {
      const via = d.viaParentId !== undefined ? { viaParentId: d.viaParentId, viaParentKey: keyIn(byId, d.viaParentId) } : {};
      return { kind: d.kind, taskId: d.predecessorId, taskKey: keyIn(byId, d.predecessorId), type: d.type, lagDays: d.lag, ...via };
    }
    case "parentStartDate":
      return { kind: d.kind, taskId: d.parentId, taskKey: keyIn(byId, d.parentId) };
    case "subtasks":
      return { kind: d.kind, taskId: d.firstId, taskKey: keyIn(byId, d.firstId) };
    case "startDate":
    case "dueDate":
    case "milestoneDate":
    case "projectStart":
      return { kind: d.kind };
  }
}
