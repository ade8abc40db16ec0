// Working-day arithmetic over a calendar: a working week plus dated exceptions
// (holidays, China's 调休 make-up working days, a person's time off). Pure
// functions on YYYY-MM-DD strings; every operation is O(log exceptions), so a
// schedule over decades costs no more than one over a week.
//
// Internally a date is a day number (days since 1970-01-01) and the calendar is
// read through W(n), the count of working days in [0, n). W never decreases, so a
// working day's ordinal W(n) maps it to a point on a gap-free working-day axis.

/** ISO weekdays: 1 = Monday .. 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface CalendarRules {
  /** Working weekdays (ISO numbers); at least one. */
  workingWeekdays: readonly number[];
  /** Dated exceptions: true = a working day even if its weekday is not, false = a day off. */
  exceptions?: Iterable<readonly [date: string, working: boolean]>;
}

export interface WorkCalendar {
  readonly weekdays: readonly boolean[];
  readonly perWeek: number;
  /** cum[r]: working weekdays among the first r days of a week that starts on a Thursday (day 0 was one). */
  readonly cum: readonly number[];
  readonly exceptionDays: readonly number[];
  /** prefix[i]: how much the first i exceptions shift W from the plain weekly count. */
  readonly prefix: readonly number[];
  readonly exceptions: ReadonlyMap<number, boolean>;
}

// ---- dates as day numbers (H. Hinnant's civil calendar algorithms, no Date: any year works) ----

/** The value of the two to four digits of `date` in [from, to), or -1 if one is not a digit. */
function digits(date: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = date.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

// Schedules and workloads parse tens of thousands of dates per request: by hand,
// not with a regular expression (several times faster, and no match arrays).
export function dayNumber(date: string): number {
  let y = digits(date, 0, 4);
  const mo = digits(date, 5, 7);
  const d = digits(date, 8, 10);
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45 || y < 0 || mo < 0 || d < 0) {
    throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  }
  y -= mo <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function dateOf(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

export const isoWeekdayOf = (day: number): IsoWeekday => (mod(day + 3, 7) + 1) as IsoWeekday;

export const addDays = (date: string, n: number): string => dateOf(dayNumber(date) + n);

/** The Monday of the ISO week holding `date`. */
export const mondayOf = (date: string): string => {
  const day = dayNumber(date);
  return dateOf(day - isoWeekdayOf(day) + 1);
};

/** ISO week label, e.g. 2026-W49 (the year is the ISO week-numbering year). */
export function isoWeekLabel(date: string): string {
  const day = dayNumber(date);
  const thursday = day - isoWeekdayOf(day) + 4;
  const year = Number(dateOf(thursday).slice(0, 4));
  const week = Math.floor((thursday - dayNumber(`${String(year).padStart(4, "0")}-01-01`)) / 7) + 1;
  return `${String(year).padStart(4, "0")}-W${String(week).padStart(2, "0")}`;
}

// ---- calendars ----

export function compileCalendar(rules: CalendarRules): WorkCalendar {
  const weekdays = Array.from({ length: 8 }, (_, i) => i >= 1 && rules.workingWeekdays.includes(i));
  const perWeek = weekdays.filter(Boolean).length;
  if (perWeek === 0) throw new RangeError("a calendar needs at least one working weekday");
  const cum = [0];
  for (let r = 0; r < 7; r++) cum.push(cum[r]! + (weekdays[isoWeekdayOf(r)] ? 1 : 0));
  const exceptions = new Map<number, boolean>();
  for (const [date, working] of rules.exceptions ?? []) exceptions.set(dayNumber(date), working);
  const exceptionDays = [...exceptions.keys()].sort((a, b) => a - b);
  const prefix = [0];
  for (const day of exceptionDays) {
    const shift = (exceptions.get(day) ? 1 : 0) - (weekdays[isoWeekdayOf(day)] ? 1 : 0);
    prefix.push(prefix[prefix.length - 1]! + shift);
  }
  return { weekdays, perWeek, cum, exceptionDays, prefix, exceptions };
}

/** Monday to Friday, no exceptions: the default of every org (API.md). */
export const STANDARD_WEEK: readonly number[] = [1, 2, 3, 4, 5];

/** The same calendar with more days off (a person's time off on top of the org's calendar). */
export function withDaysOff(base: CalendarRules, daysOff: Iterable<string>): CalendarRules {
  const exceptions = new Map<string, boolean>(base.exceptions ?? []);
  for (const d of daysOff) exceptions.set(d, false);
  return { workingWeekdays: base.workingWeekdays, exceptions };
}

/** Index of the first exception day >= day. */
function lowerBound(days: readonly number[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** W(day): working days in [day 0, day), negative before 1970. */
function workingBefore(cal: WorkCalendar, day: number): number {
  const weeks = Math.floor(day / 7);
  return weeks * cal.perWeek + cal.cum[day - weeks * 7]! + cal.prefix[lowerBound(cal.exceptionDays, day)]!;
}

const isWorking = (cal: WorkCalendar, day: number): boolean => cal.exceptions.get(day) ?? cal.weekdays[isoWeekdayOf(day)]!;

/** The working day whose ordinal is k (k working days lie between day 0 and it). */
function workingDayAt(cal: WorkCalendar, k: number): number {
  const slack = cal.exceptionDays.length;
  // W(lo) <= k < k + 1 <= W(hi): every exception moves W by at most one.
  let lo = 7 * (Math.floor((k - slack) / cal.perWeek) - 2);
  let hi = 7 * (Math.ceil((k + 1 + slack) / cal.perWeek) + 1);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (workingBefore(cal, mid) >= k + 1) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

export function isWorkingDay(cal: WorkCalendar, date: string): boolean {
  return isWorking(cal, dayNumber(date));
}

/** Working days from `from` to `to`, both included; 0 when `to` is before `from`. */
export function workingDaysBetween(cal: WorkCalendar, from: string, to: string): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  return b < a ? 0 : workingBefore(cal, b + 1) - workingBefore(cal, a);
}

/**
 * The n-th working day after `date` (before it for negative n); `date` itself is
 * never counted. n = 0 gives `date` when it is a working day, else the next one.
 * From a Saturday, +1 is Monday and -1 is Friday.
 */
export function addWorkingDays(cal: WorkCalendar, date: string, n: number): string {
  const day = dayNumber(date);
  const k = workingBefore(cal, day);
  if (n === 0 || isWorking(cal, day)) return dateOf(workingDayAt(cal, k + n));
  return dateOf(workingDayAt(cal, n > 0 ? k + n - 1 : k + n));
}

// ---- the working-day axis the scheduler computes on ----

/** Ordinal of the first working day on or after `date`: a point on the working-day axis. */
export const ordinalOf = (cal: WorkCalendar, date: string): number => workingBefore(cal, dayNumber(date));

/** ordinalOf for a day number (dayNumber(date)): loops over many dates parse each once. */
export const ordinalOfDay = (cal: WorkCalendar, day: number): number => workingBefore(cal, day);

/** Ordinal of the first working day after `date`: the point where a task ending on `date` finishes. */
export const ordinalAfter = (cal: WorkCalendar, date: string): number => workingBefore(cal, dayNumber(date) + 1);

/** The working day at an ordinal of the axis. */
export const dateAtOrdinal = (cal: WorkCalendar, k: number): string => dateOf(workingDayAt(cal, k));
