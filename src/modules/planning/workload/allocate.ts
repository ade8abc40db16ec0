import {
  addDays,
  addWorkingDays,
  dayNumber,
  isoWeekLabel,
  isWorkingDay,
  mondayOf,
  ordinalOf,
  ordinalOfDay,
  workingDaysBetween,
  type WorkCalendar,
} from "../calendar/workdays.js";

// Hours allocated per person per ISO week against capacity. Each open task's
// remaining estimate is spread evenly over the assignee's working days between
// its start and due dates; with only one date, over as many working days as the
// hours need at the person's hours per day, starting (or ending) there; with no
// date it cannot be placed and counts as unscheduled.

export interface Week {
  week: string;
  start: string;
  end: string;
}

export interface Person {
  userId: string;
  name: string;
  hoursPerDay: number;
  /** The org calendar with the person's own week and time off. */
  calendar: WorkCalendar;
}

export interface OpenTask {
  id?: string;
  assigneeId: string;
  projectId: string;
  startDate: string | null;
  dueDate: string | null;
  remainingHours: number;
}

export interface PersonLoad {
  userId: string;
  name: string;
  weeks: { week: string; capacityHours: number; allocatedHours: number; totalAllocatedHours: number; overallocated: boolean }[];
  /** Remaining hours of tasks with neither a start nor a due date (in the project, when one is asked for). */
  unscheduledHours: number;
}

const round2 = (h: number) => Math.round(h * 100) / 100;

/**
 * Hours spread evenly over the working days of a window, on the calendar's
 * working-day axis (ordinals, see calendar/workdays.ts): workload per week and
 * earned value's planned value both read it.
 */
export interface Spread {
  /** Ordinal of the window's first working day. */
  first: number;
  /** Working days in the window; 0 when it has none (the hours then fall at its end). */
  days: number;
  hours: number;
}

export function spreadOver(cal: WorkCalendar, from: string, to: string, hours: number): Spread {
  return { first: ordinalOf(cal, from), days: workingDaysBetween(cal, from, to), hours };
}

/** The hours of a spread on working days before `point` (an ordinal: the working days before a date). */
export function hoursBefore(s: Spread, point: number): number {
  if (s.days === 0) return point > s.first ? s.hours : 0;
  const done = Math.min(s.days, Math.max(0, point - s.first));
  return (s.hours * done) / s.days;
}

/** The ISO weeks covering [from, to], Monday to Sunday. */
export function weeksCovering(from: string, to: string): Week[] {
  const weeks: Week[] = [];
  for (let start = mondayOf(from); start <= to; start = addDays(start, 7)) weeks.push({ week: isoWeekLabel(start), start, end: addDays(start, 6) });
  return weeks;
}

/** The working days a task's remaining hours go to, and the calendar that counts them. */
function windowOf(t: OpenTask, person: Person, org: { calendar: WorkCalendar; hoursPerDay: number }): { from: string; to: string; cal: WorkCalendar } | undefined {
  const cal = person.calendar;
  const perDay = person.hoursPerDay > 0 ? person.hoursPerDay : org.hoursPerDay;
  const days = Math.max(1, Math.ceil(t.remainingHours / perDay));
  let from: string;
  let to: string;
  if (t.startDate !== null && t.dueDate !== null) [from, to] = [t.startDate, t.dueDate];
  else if (t.startDate !== null) {
    from = addWorkingDays(cal, t.startDate, 0);
    to = addWorkingDays(cal, from, days - 1);
  } else if (t.dueDate !== null) {
    to = isWorkingDay(cal, t.dueDate) ? t.dueDate : addWorkingDays(cal, t.dueDate, -1);
    from = addWorkingDays(cal, to, -(days - 1));
  } else return undefined;
  // Away for the whole window: the work is still there, on the org's working days.
  if (workingDaysBetween(cal, from, to) > 0) return { from, to, cal };
  if (workingDaysBetween(org.calendar, from, to) > 0) return { from, to, cal: org.calendar };
  const day = addWorkingDays(org.calendar, from, 0);
  return { from: day, to: day, cal: org.calendar };
}

export function computeWorkload(input: {
  weeks: readonly Week[];
  people: readonly Person[];
  tasks: readonly OpenTask[];
  org: { calendar: WorkCalendar; hoursPerDay: number };
  /** Only this project's work counts as allocated (overallocation still counts all of a person's work). */
  projectId?: string;
}): PersonLoad[] {
  const { weeks } = input;
  const byPerson = new Map(input.people.map((p) => [p.userId, { person: p, mine: new Float64Array(weeks.length), all: new Float64Array(weeks.length), unscheduled: 0 }]));
  const first = weeks.length > 0 ? dayNumber(weeks[0]!.start) : 0;
  const weekIndex = (date: string) => Math.floor((dayNumber(date) - first) / 7);
  // Week i is the days [weekStart[i], weekStart[i + 1]): parsed once, not per task and person.
  const weekStart = Int32Array.from({ length: weeks.length + 1 }, (_, i) => (i < weeks.length ? dayNumber(weeks[i]!.start) : dayNumber(weeks[i - 1]!.end) + 1));

  for (const t of input.tasks) {
    const load = byPerson.get(t.assigneeId);
    if (!load || t.remainingHours <= 0) continue;
    const counts = input.projectId === undefined || t.projectId === input.projectId;
    const window = windowOf(t, load.person, input.org);
    if (!window) {
      if (counts) load.unscheduled += t.remainingHours;
      continue;
    }
    const spread = spreadOver(window.cal, window.from, window.to, t.remainingHours);
    const lo = Math.max(0, weekIndex(window.from));
    const hi = Math.min(weeks.length - 1, weekIndex(window.to));
    for (let i = lo; i <= hi; i++) {
      const hours = hoursBefore(spread, ordinalOfDay(window.cal, weekStart[i + 1]!)) - hoursBefore(spread, ordinalOfDay(window.cal, weekStart[i]!));
      load.all[i]! += hours;
      if (counts) load.mine[i]! += hours;
    }
  }

  return [...byPerson.values()].map(({ person, mine, all, unscheduled }) => ({
    userId: person.userId,
    name: person.name,
    weeks: weeks.map((w, i) => {
      const workingDays = ordinalOfDay(person.calendar, weekStart[i + 1]!) - ordinalOfDay(person.calendar, weekStart[i]!);
      const capacityHours = round2(workingDays * person.hoursPerDay);
      const totalAllocatedHours = round2(all[i]!);
      return { week: w.week, capacityHours, allocatedHours: round2(mine[i]!), totalAllocatedHours, overallocated: totalAllocatedHours > capacityHours };
    }),
    unscheduledHours: round2(unscheduled),
  }));
}
