import { describe, expect, it } from "vitest";
import { presetById } from "./presets.js";
import {
  addWorkingDays,
  compileCalendar,
  dateAtOrdinal,
  dateOf,
  dayNumber,
  isWorkingDay,
  isoWeekdayOf,
  isoWeekLabel,
  mondayOf,
  ordinalOf,
  STANDARD_WEEK,
  withDaysOff,
  workingDaysBetween,
  type CalendarRules,
} from "./workdays.js";

const standard = compileCalendar({ workingWeekdays: STANDARD_WEEK });
const cnRules: CalendarRules = {
  workingWeekdays: STANDARD_WEEK,
  exceptions: presetById("cn-mainland")!.years.find((y) => y.year === 2026)!.days.map((d) => [d.date, d.working] as const),
};
const cn2026 = compileCalendar(cnRules);

describe("dates as day numbers", () => {
  it("round-trips every day against the platform's own calendar", () => {
    for (let day = dayNumber("1999-12-25"); day < dayNumber("2031-01-05"); day += 1) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      expect(dateOf(day)).toBe(expected);
      expect(dayNumber(expected)).toBe(day);
    }
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dateOf(dayNumber("1000-01-01"))).toBe("1000-01-01");
    expect(dateOf(dayNumber("2999-12-31"))).toBe("2999-12-31");
  });

  it("knows ISO weekdays, Mondays and week labels", () => {
    expect(isoWeekdayOf(dayNumber("2026-12-01"))).toBe(2); // a Tuesday
    expect(isoWeekdayOf(dayNumber("2026-12-06"))).toBe(7);
    expect(mondayOf("2026-12-06")).toBe("2026-11-30");
    expect(mondayOf("2026-11-30")).toBe("2026-11-30");
    expect(isoWeekLabel("2026-01-01")).toBe("2026-W01"); // 2026 starts on a Thursday
    expect(isoWeekLabel("2026-12-31")).toBe("2026-W53");
    expect(isoWeekLabel("2027-01-01")).toBe("2026-W53");
    expect(isoWeekLabel("2027-01-04")).toBe("2027-W01");
  });
});

describe("a Monday-to-Friday week", () => {
  it("adds working days over weekends", () => {
    expect(addWorkingDays(standard, "2026-12-04", 1)).toBe("2026-12-07"); // Fri + 1 = Mon
    expect(addWorkingDays(standard, "2026-12-07", -1)).toBe("2026-12-04");
    expect(addWorkingDays(standard, "2026-12-01", 10)).toBe("2026-12-15");
    expect(addWorkingDays(standard, "2026-12-15", -10)).toBe("2026-12-01");
    expect(addWorkingDays(standard, "2026-12-03", 0)).toBe("2026-12-03");
  });

  it("counts from a weekend day to the next or previous working day", () => {
    expect(addWorkingDays(standard, "2026-12-05", 0)).toBe("2026-12-07"); // Saturday rolls forward
    expect(addWorkingDays(standard, "2026-12-05", 1)).toBe("2026-12-07");
    expect(addWorkingDays(standard, "2026-12-05", 2)).toBe("2026-12-08");
    expect(addWorkingDays(standard, "2026-12-06", -1)).toBe("2026-12-04");
    expect(addWorkingDays(standard, "2026-12-06", -2)).toBe("2026-12-03");
  });

  it("counts working days with both ends included", () => {
    expect(workingDaysBetween(standard, "2026-12-01", "2026-12-31")).toBe(23);
    expect(workingDaysBetween(standard, "2026-12-03", "2026-12-03")).toBe(1);
    expect(workingDaysBetween(standard, "2026-12-05", "2026-12-06")).toBe(0);
    expect(workingDaysBetween(standard, "2026-12-10", "2026-12-01")).toBe(0);
    expect(workingDaysBetween(standard, "2026-01-01", "2026-12-31")).toBe(261);
  });
});

describe("the 2026 mainland China calendar", () => {
  it("skips the Spring Festival and works its make-up Saturdays", () => {
    expect(isWorkingDay(cn2026, "2026-02-14")).toBe(true); // Saturday, 调休上班
    expect(isWorkingDay(cn2026, "2026-02-16")).toBe(false); // Monday, 春节
    expect(addWorkingDays(cn2026, "2026-02-13", 1)).toBe("2026-02-14");
    expect(addWorkingDays(cn2026, "2026-02-14", 1)).toBe("2026-02-24");
    expect(addWorkingDays(cn2026, "2026-02-24", -1)).toBe("2026-02-14");
    expect(addWorkingDays(cn2026, "2026-02-18", 0)).toBe("2026-02-24");
    expect(workingDaysBetween(cn2026, "2026-02-01", "2026-02-28")).toBe(16);
  });

  it("bridges National Day with two make-up weekend days", () => {
    expect(addWorkingDays(cn2026, "2026-09-30", 1)).toBe("2026-10-08");
    expect(addWorkingDays(cn2026, "2026-09-18", 1)).toBe("2026-09-20"); // Friday -> the make-up Sunday
    expect(workingDaysBetween(cn2026, "2026-09-28", "2026-10-11")).toBe(6);
    expect(workingDaysBetween(cn2026, "2026-01-01", "2026-01-09")).toBe(6);
  });

  it("has 248 working days in the year", () => {
    expect(workingDaysBetween(cn2026, "2026-01-01", "2026-12-31")).toBe(248);
  });

  it("matches the weekdays printed in the State Council notice", () => {
    const notice: Record<string, number> = {
      "2026-01-01": 4, "2026-01-04": 7, "2026-02-14": 6, "2026-02-15": 7, "2026-02-23": 1, "2026-02-28": 6, "2026-04-04": 6,
      "2026-05-01": 5, "2026-05-05": 2, "2026-05-09": 6, "2026-06-19": 5, "2026-09-20": 7, "2026-09-25": 5, "2026-10-01": 4,
      "2026-10-07": 3, "2026-10-10": 6,
    };
    for (const [date, weekday] of Object.entries(notice)) expect(isoWeekdayOf(dayNumber(date)), date).toBe(weekday);
    for (const d of presetById("cn-mainland")!.years[0]!.days.filter((x) => x.working)) expect(isoWeekdayOf(dayNumber(d.date))).toBeGreaterThan(5);
  });

  it("adds a person's time off on top of the org calendar", () => {
    const away = compileCalendar(withDaysOff(cnRules, ["2026-02-13", "2026-02-24"]));
    expect(addWorkingDays(away, "2026-02-12", 1)).toBe("2026-02-14");
    expect(addWorkingDays(away, "2026-02-14", 1)).toBe("2026-02-25");
  });
});

describe("the working-day axis", () => {
  it("gives consecutive working days consecutive ordinals", () => {
    const k = ordinalOf(cn2026, "2026-02-13");
    expect(dateAtOrdinal(cn2026, k)).toBe("2026-02-13");
    expect(dateAtOrdinal(cn2026, k + 1)).toBe("2026-02-14");
    expect(dateAtOrdinal(cn2026, k + 2)).toBe("2026-02-24");
    expect(ordinalOf(cn2026, "2026-02-15")).toBe(k + 2); // a day off maps to the next working day
  });

  it("agrees with a day-by-day count on random calendars over centuries", () => {
    // mulberry32: a small seeded generator, so a failure can be replayed.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    for (let round = 0; round < 20; round++) {
      const workingWeekdays = [1, 2, 3, 4, 5, 6, 7].filter(() => random() < 0.6);
      if (workingWeekdays.length === 0) workingWeekdays.push(3);
      const base = dayNumber("1990-01-01");
      const exceptions = Array.from({ length: 40 }, () => [dateOf(base + Math.floor(random() * 20_000)), random() < 0.4] as const);
      const cal = compileCalendar({ workingWeekdays, exceptions });
      const lookup = new Map(exceptions.map(([d, w]) => [dayNumber(d), w]));
      const naive = (day: number) => lookup.get(day) ?? workingWeekdays.includes(isoWeekdayOf(day));
      const from = base + Math.floor(random() * 10_000);
      const to = from + Math.floor(random() * 12_000);
      let count = 0;
      for (let d = from; d <= to; d++) if (naive(d)) count++;
      expect(workingDaysBetween(cal, dateOf(from), dateOf(to))).toBe(count);
      const n = 1 + Math.floor(random() * 300);
      let d = from;
      for (let left = n; left > 0; ) if (naive(++d)) left--;
      expect(addWorkingDays(cal, dateOf(from), n)).toBe(dateOf(d));
      let back = to;
      for (let left = n; left > 0; ) if (naive(--back)) left--;
      expect(addWorkingDays(cal, dateOf(to), -n)).toBe(dateOf(back));
    }
  });

  it("counts a thousand years in one step", () => {
    let weekdays = 0;
    for (let d = dayNumber("2000-01-01"); d <= dayNumber("2999-12-31"); d++) if (isoWeekdayOf(d) <= 5) weekdays++;
    expect(workingDaysBetween(standard, "2000-01-01", "2999-12-31")).toBe(weekdays);
  });
});
