import { addDays, dayNumber, dateOf, isoWeekLabel, mondayOf, ordinalOf, type WorkCalendar } from "../calendar/workdays.js";
import { hoursBefore, spreadOver, type Spread } from "../workload/allocate.js";

// Earned value of a project over time, in hours (a task's budget is its estimate):
//   PV(d) planned value: the budget of the work planned to be done by the end of day d,
//         each task's budget spread evenly over the working days of its planned dates
//         (the way workload spreads estimates);
//   EV(d) earned value: each task's budget x its percent complete on day d, read from the
//         history of its progress (the task activity records every change);
//   AC(d) actual cost: the hours logged on days up to d (worklogs are dated).
// SPI = EV / PV and CPI = EV / AC, null when the divisor is 0. Only tasks without
// subtasks carry budgets: a summary's progress and dates come from its subtasks.

export type Interval = "day" | "week" | "month";

export interface Period {
  label: string;
  start: string;
  end: string;
}

/** A budget planned over working days (the planned start and finish, both included). */
export interface PlannedBudget {
  hours: number;
  start: string;
  finish: string;
}

/** A task's budget and how its percent complete changed (in order); before it existed it was 0. */
export interface ProgressHistory {
  hours: number;
  createdOn: string;
  /** Percent complete now: what it was all along when no change is recorded. */
  current: number;
  changes: { on: string; from: number | null; to: number }[];
}

export interface PeriodValue {
  label: string;
  start: string;
  end: string;
  plannedValue: number;
  /** null for a period ending after today: not known yet. */
  earnedValue: number | null;
  actualCost: number | null;
  scheduleVariance: number | null;
  costVariance: number | null;
  spi: number | null;
  cpi: number | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const ratio = (a: number, b: number) => (b === 0 ? null : round2(a / b));

/** The periods covering [from, to], the first and last cut to the range. */
export function periodsCovering(from: string, to: string, interval: Interval): Period[] {
  const periods: Period[] = [];
  const clip = (label: string, start: string, end: string) => periods.push({ label, start: start < from ? from : start, end: end > to ? to : end });
  if (interval === "day") {
    for (let d = dayNumber(from); d <= dayNumber(to); d++) clip(dateOf(d), dateOf(d), dateOf(d));
  } else if (interval === "week") {
    for (let start = mondayOf(from); start <= to; start = addDays(start, 7)) clip(isoWeekLabel(start), start, addDays(start, 6));
  } else {
    for (let start = `${from.slice(0, 7)}-01`; start <= to; ) {
      const next = nextMonth(start);
      clip(start.slice(0, 7), start, addDays(next, -1));
      start = next;
    }
  }
  return periods;
}

const nextMonth = (first: string): string => {
  const [y, m] = [Number(first.slice(0, 4)), Number(first.slice(5, 7))];
  return m === 12 ? `${String(y + 1).padStart(4, "0")}-01-01` : `${first.slice(0, 4)}-${String(m + 1).padStart(2, "0")}-01`;
};

/** Percent complete at the end of `day`. */
function percentOn(h: ProgressHistory, day: string): number {
  if (day < h.createdOn) return 0;
  if (h.changes.length === 0) return h.current;
  let value = h.changes[0]!.from ?? 0;
  for (const c of h.changes) {
    if (c.on > day) break;
    value = c.to;
  }
  return value;
}

export function earnedValue(input: {
  calendar: WorkCalendar;
  periods: readonly Period[];
  planned: readonly PlannedBudget[];
  progress: readonly ProgressHistory[];
  /** Hours logged per day, any order. */
  worklogs: readonly { on: string; hours: number }[];
  today: string;
}): PeriodValue[] {
  const { calendar: cal, today } = input;
  const spreads: Spread[] = input.planned.filter((b) => b.hours > 0).map((b) => spreadOver(cal, b.start, b.finish, b.hours));
  const logged = [...input.worklogs].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  let cost = 0;
  let next = 0;
  return input.periods.map((p) => {
    // Work planned on working days up to the period's last day.
    const point = ordinalOf(cal, addDays(p.end, 1));
    let planned = 0;
    for (const s of spreads) planned += hoursBefore(s, point);
    const plannedValue = round2(planned);
    if (p.end > today) {
      return { ...p, plannedValue, earnedValue: null, actualCost: null, scheduleVariance: null, costVariance: null, spi: null, cpi: null };
    }
    let earned = 0;
    for (const h of input.progress) earned += (h.hours * percentOn(h, p.end)) / 100;
    for (; next < logged.length && logged[next]!.on <= p.end; next++) cost += logged[next]!.hours;
    return {
      ...p,
      plannedValue,
      earnedValue: round2(earned),
      actualCost: round2(cost),
      scheduleVariance: round2(earned - planned),
      costVariance: round2(earned - cost),
      spi: ratio(earned, planned),
      cpi: ratio(earned, cost),
    };
  });
}
