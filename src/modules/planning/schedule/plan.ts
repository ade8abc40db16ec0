import type { Locale } from "../../../platform/i18n.js";
import { dateAtOrdinal, ordinalAfter, ordinalOf, workingDaysBetween, type WorkCalendar } from "../calendar/workdays.js";
import { criticalPath, type Activity, type Driver, type FixedActivity, type Link } from "./cpm.js";
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
  const { calendar: cal, hoursPerDay, tasks: planned } = input;
  const n = planned.length;
  if (n === 0) return { projectStart: null, projectFinish: null, criticalPath: [], conflicts: [], late: [], tasks: [] };

  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(planned[i]!.id, i);
  const parents = new Set<string>();
  for (const t of planned) if (t.parentId != null && index.has(t.parentId)) parents.add(t.parentId);
  // A dated milestone's point is the end of its day; the project starts with that day.
  let firstPoint = Infinity;
  const activities = planned.map((t): Activity => {
    const summary = parents.has(t.id);
    const duration = summary ? 0 : durationOf(t, cal, hoursPerDay);
    const due = t.milestone && !summary ? (t.dueDate ?? t.startDate) : t.dueDate;
    const notBefore = anchorOf(t, cal, duration, summary);
    if (notBefore) firstPoint = Math.min(firstPoint, notBefore.reason === "milestoneDate" ? notBefore.point - 1 : notBefore.point);
    return { id: t.id, duration, notBefore, parentId: t.parentId ?? null, deadline: due === null ? null : endOf(cal, due) };
  });
  const fixed: FixedActivity[] = [];
  for (const t of input.external) {
    const duration = durationOf(t, cal, hoursPerDay);
    const anchor = anchorOf(t, cal, duration);
    // An undated task elsewhere constrains nothing here.
    if (anchor) fixed.push({ id: t.id, start: anchor.point, finish: anchor.point + duration });
  }

  const projectStart = Number.isFinite(firstPoint) ? firstPoint : ordinalOf(cal, input.today);
  const cpm = criticalPath({ projectStart, activities, fixed, links: input.links, index });
  const { es, ef, ls, lf, duration, slack } = cpm;

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

  const start: string[] = [];
  const finish: string[] = [];
  for (let i = 0; i < n; i++) {
    start.push(shownStart(duration[i]!, es[i]!));
    finish.push(shownFinish(duration[i]!, ef[i]!));
  }
  // Tasks of other projects: by id, with their fixed dates (an undated one has none).
  const elsewhere = new Map<string, Shown>(input.external.map((t) => [t.id, { task: t, start: "", finish: "" }]));
  for (const f of fixed) {
    const shown = elsewhere.get(f.id)!;
    shown.start = f.finish === f.start ? day(f.start - 1) : day(f.start);
    shown.finish = day(f.finish - 1);
  }
  const look: Lookup = {
    key: (id) => {
      const i = index.get(id);
      return i !== undefined ? planned[i]!.key : (elsewhere.get(id)?.task.key ?? id);
    },
    task: (id) => {
      const i = index.get(id);
      return i !== undefined ? planned[i] : elsewhere.get(id)?.task;
    },
    start: (id) => {
      const i = index.get(id);
      return i !== undefined ? start[i]! : elsewhere.get(id)!.start;
    },
    finish: (id) => {
      const i = index.get(id);
      return i !== undefined ? finish[i]! : elsewhere.get(id)!.finish;
    },
  };

  const tasks: ScheduledTask[] = [];
  const critical: number[] = [];
  const conflicts: string[] = [];
  const late: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = planned[i]!;
    const summary = cpm.summary[i] === 1;
    const d = duration[i]!;
    const driver = cpm.driver(i);
    const dueSlack = cpm.dueSlack[i]!;
    if (slack[i]! <= 0) critical.push(i);
    if (cpm.pushed[i]) conflicts.push(task.id);
    if (cpm.late[i]) late.push(task.id);
    // Field order is the response schema's: the route serializes these with JSON.stringify.
    tasks.push({
      id: task.id,
      key: task.key,
      milestone: task.milestone && !summary,
      summary,
      durationDays: d,
      earlyStart: start[i]!,
      earlyFinish: finish[i]!,
      lateStart: shownStart(d, ls[i]!),
      lateFinish: shownFinish(d, lf[i]!),
      slackDays: slack[i]!,
      freeSlackDays: cpm.freeSlack[i]!,
      critical: slack[i]! <= 0,
      conflict: cpm.pushed[i] === 1,
      late: cpm.late[i] === 1,
      dueSlackDays: Number.isFinite(dueSlack) ? dueSlack : null,
      driver: describeDriver(driverText(driver, d === 0, task, start[i]!, finish[i]!, look), input.locale),
      drivenBy: drivenBy(driver, look),
    });
  }

  critical.sort((x, y) => es[x]! - es[y]! || ef[x]! - ef[y]! || x - y);
  return {
    projectStart: day(projectStart),
    projectFinish: milestoneDay(cpm.finish),
    criticalPath: critical.map((i) => planned[i]!.id),
    conflicts,
    late,
    tasks,
  };
}

/** A task of another project as shown here: at its fixed dates. */
interface Shown {
  task: PlannedTask;
  start: string;
  finish: string;
}

/** A task's key, own dates and shown start and finish by id, wherever it is (this project or another). */
interface Lookup {
  key(id: string): string;
  task(id: string): PlannedTask | undefined;
  start(id: string): string;
  finish(id: string): string;
}

function driverText(d: Driver, milestone: boolean, task: PlannedTask, start: string, finish: string, look: Lookup): DriverText {
  switch (d.kind) {
    case "dependency": {
      const tiesFinish = d.type === "FF" || d.type === "SF";
      return {
        kind: "dependency",
        date: milestone ? start : tiesFinish ? finish : start,
        milestone,
        predecessorKey: look.key(d.predecessorId),
        predecessorDate: d.type === "FS" || d.type === "FF" ? look.finish(d.predecessorId) : look.start(d.predecessorId),
        type: d.type,
        lag: d.lag,
        ...(d.viaParentId !== undefined ? { viaParentKey: look.key(d.viaParentId) } : {}),
      };
    }
    case "parentStartDate":
      return { kind: "parentStartDate", date: start, parentKey: look.key(d.parentId), planned: look.task(d.parentId)?.startDate ?? start };
    case "subtasks":
      return { kind: "subtasks", start, finish, firstKey: look.key(d.firstId), lastKey: look.key(d.lastId) };
    case "startDate":
      return { kind: "startDate", date: start, planned: task.startDate! };
    case "dueDate":
      return { kind: "dueDate", date: finish, planned: task.dueDate! };
    case "milestoneDate":
      return { kind: "milestoneDate", date: start, planned: (task.dueDate ?? task.startDate)! };
    case "projectStart":
      return { kind: "projectStart", date: start, milestone };
  }
}

function drivenBy(d: Driver, look: Lookup): ScheduledTask["drivenBy"] {
  switch (d.kind) {
    case "dependency": {
      const via = d.viaParentId !== undefined ? { viaParentId: d.viaParentId, viaParentKey: look.key(d.viaParentId) } : {};
      return { kind: d.kind, taskId: d.predecessorId, taskKey: look.key(d.predecessorId), type: d.type, lagDays: d.lag, ...via };
    }
    case "parentStartDate":
      return { kind: d.kind, taskId: d.parentId, taskKey: look.key(d.parentId) };
    case "subtasks":
      return { kind: d.kind, taskId: d.firstId, taskKey: look.key(d.firstId) };
    case "startDate":
    case "dueDate":
    case "milestoneDate":
    case "projectStart":
      return { kind: d.kind };
  }
}
