import { addDays, dateOf, dayNumber, isoWeekdayOf, mondayOf } from "../calendar/workdays.js";

// When a recurring task comes round: every n days; every n weeks on chosen
// weekdays; every n months on a day of the month (the last day in shorter months).

export interface RecurrenceRule {
  freq: "daily" | "weekly" | "monthly";
  /** Every `interval` days, weeks or months; 1 by default. */
  interval?: number;
  /** weekly: ISO weekdays (1 = Monday); default the start date's weekday. */
  weekdays?: number[];
  /** monthly: day of the month; default the start date's. */
  monthDay?: number;
}

export interface RecurrenceBounds {
  startDate: string;
  /** Last date an occurrence may fall on (inclusive). */
  endDate: string | null;
  /** At most this many occurrences in all. */
  count: number | null;
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The occurrence dates in order, from the start (never ending without an end date or count). */
export function* occurrences(rule: RecurrenceRule, bounds: RecurrenceBounds): Generator<string> {
  const interval = Math.max(1, rule.interval ?? 1);
  const start = dayNumber(bounds.startDate);
  const end = bounds.endDate === null ? Number.POSITIVE_INFINITY : dayNumber(bounds.endDate);
  let emitted = 0;
  const more = (day: number) => day <= end && (bounds.count === null || emitted < bounds.count);
  switch (rule.freq) {
    case "daily":
      for (let day = start; more(day); day += interval, emitted++) yield dateOf(day);
      return;
    case "weekly": {
      const weekdays = [...new Set(rule.weekdays?.length ? rule.weekdays : [isoWeekdayOf(start)])].sort((a, b) => a - b);
      for (let monday = dayNumber(mondayOf(bounds.startDate)); ; monday += 7 * interval) {
        for (const wd of weekdays) {
          const day = monday + wd - 1;
          if (day < start) continue;
          if (!more(day)) return;
          emitted++;
          yield dateOf(day);
        }
      }
    }
    case "monthly": {
      const want = rule.monthDay ?? Number(bounds.startDate.slice(8, 10));
      const y0 = Number(bounds.startDate.slice(0, 4));
      const m0 = Number(bounds.startDate.slice(5, 7)) - 1;
      for (let k = 0; ; k += interval) {
        const year = y0 + Math.floor((m0 + k) / 12);
        const month = ((m0 + k) % 12) + 1;
        const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(Math.min(want, daysInMonth(year, month))).padStart(2, "0")}`;
        const day = dayNumber(date);
        if (day < start) continue;
        if (!more(day)) return;
        emitted++;
        yield date;
      }
    }
  }
}

/** Occurrences after `after` (exclusive; null = from the start) up to `until`, at most `limit`. */
export function dueOccurrences(rule: RecurrenceRule, bounds: RecurrenceBounds, after: string | null, until: string, limit: number): string[] {
  const out: string[] = [];
  for (const date of occurrences(rule, bounds)) {
    if (date > until || out.length >= limit) break;
    if (after === null || date > after) out.push(date);
  }
  return out;
}

/** The first occurrence after `after`, or null when the series has ended. */
export function nextOccurrence(rule: RecurrenceRule, bounds: RecurrenceBounds, after: string | null): string | null {
  for (const date of occurrences(rule, bounds)) if (after === null || date > after) return date;
  return null;
}

export const shiftDays = addDays;
