import { describe, expect, it } from "vitest";
import { dueOccurrences, nextOccurrence, occurrences, type RecurrenceBounds, type RecurrenceRule } from "./rule.js";

const take = (rule: RecurrenceRule, bounds: Partial<RecurrenceBounds> & { startDate: string }, n = 10) => {
  const out: string[] = [];
  for (const d of occurrences(rule, { endDate: null, count: null, ...bounds })) {
    out.push(d);
    if (out.length === n) break;
  }
  return out;
};

describe("recurrence rules", () => {
  it("repeats every n days", () => {
    expect(take({ freq: "daily", interval: 3 }, { startDate: "2026-12-30" }, 4)).toEqual(["2026-12-30", "2027-01-02", "2027-01-05", "2027-01-08"]);
  });

  it("repeats weekly on chosen days, every other week", () => {
    // 2026-12-02 is a Wednesday: that week's Monday is before the start, its Friday is not.
    expect(take({ freq: "weekly", interval: 2, weekdays: [5, 1] }, { startDate: "2026-12-02" }, 5)).toEqual(["2026-12-04", "2026-12-14", "2026-12-18", "2026-12-28", "2027-01-01"]);
    expect(take({ freq: "weekly" }, { startDate: "2026-12-02" }, 2)).toEqual(["2026-12-02", "2026-12-09"]);
  });

  it("repeats monthly, on the last day in shorter months", () => {
    expect(take({ freq: "monthly", monthDay: 31 }, { startDate: "2027-01-15" }, 4)).toEqual(["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]);
    expect(take({ freq: "monthly", interval: 5 }, { startDate: "2026-11-30" }, 3)).toEqual(["2026-11-30", "2027-04-30", "2027-09-30"]);
  });

  it("ends on a date or after a count", () => {
    expect(take({ freq: "daily" }, { startDate: "2026-12-01", endDate: "2026-12-03" })).toEqual(["2026-12-01", "2026-12-02", "2026-12-03"]);
    expect(take({ freq: "weekly", weekdays: [1, 3] }, { startDate: "2026-11-30", count: 3 })).toEqual(["2026-11-30", "2026-12-02", "2026-12-07"]);
    expect(nextOccurrence({ freq: "daily" }, { startDate: "2026-12-01", endDate: "2026-12-03", count: null }, "2026-12-03")).toBeNull();
  });

  it("lists what is due after the last one made, up to a day, at most a limit", () => {
    const bounds = { startDate: "2026-12-01", endDate: null, count: null };
    expect(dueOccurrences({ freq: "daily" }, bounds, "2026-12-02", "2026-12-05", 10)).toEqual(["2026-12-03", "2026-12-04", "2026-12-05"]);
    expect(dueOccurrences({ freq: "daily" }, bounds, null, "2026-12-05", 2)).toEqual(["2026-12-01", "2026-12-02"]);
    expect(nextOccurrence({ freq: "daily" }, bounds, "2026-12-05")).toBe("2026-12-06");
  });
});
