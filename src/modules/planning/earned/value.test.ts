import { describe, expect, it } from "vitest";
import { compileCalendar, STANDARD_WEEK } from "../calendar/workdays.js";
import { earnedValue, periodsCovering } from "./value.js";

// Figures worked out by hand on a Monday-to-Friday calendar.

const standard = compileCalendar({ workingWeekdays: STANDARD_WEEK });

describe("periods", () => {
  it("cuts days, ISO weeks and months to the range", () => {
    expect(periodsCovering("2026-12-30", "2027-01-01", "day").map((p) => p.label)).toEqual(["2026-12-30", "2026-12-31", "2027-01-01"]);
    expect(periodsCovering("2026-12-02", "2026-12-15", "week")).toEqual([
      { label: "2026-W49", start: "2026-12-02", end: "2026-12-06" },
      { label: "2026-W50", start: "2026-12-07", end: "2026-12-13" },
      { label: "2026-W51", start: "2026-12-14", end: "2026-12-15" },
    ]);
    expect(periodsCovering("2026-11-15", "2027-02-10", "month").map((p) => [p.label, p.start, p.end])).toEqual([
      ["2026-11", "2026-11-15", "2026-11-30"],
      ["2026-12", "2026-12-01", "2026-12-31"],
      ["2027-01", "2027-01-01", "2027-01-31"],
      ["2027-02", "2027-02-01", "2027-02-10"],
    ]);
  });
});

describe("earned value", () => {
  // A (40 h) planned Mon 11-30..Fri 12-04; B (20 h) Thu 12-03..Wed 12-09 (5 working days, 2 of them in
  // the first week: 8 h); C (30 h) Mon 12-14..Wed 12-16. Budget 90 h.
  // A: 50% on 12-02, 100% on 12-05. B: 25% on 12-08, 60% on 12-11. C: created 12-10, still 0.
  // Worked: 6 + 8 + 10 + 12 = 36 h in the first week, 8 + 6 more in the second. Today is Wed 12-16.
  const values = earnedValue({
    calendar: standard,
    periods: periodsCovering("2026-11-30", "2026-12-20", "week"),
    planned: [
      { hours: 40, start: "2026-11-30", finish: "2026-12-04" },
      { hours: 20, start: "2026-12-03", finish: "2026-12-09" },
      { hours: 30, start: "2026-12-14", finish: "2026-12-16" },
    ],
    progress: [
      { hours: 40, createdOn: "2026-11-25", current: 100, changes: [{ on: "2026-11-25", from: null, to: 0 }, { on: "2026-12-02", from: 0, to: 50 }, { on: "2026-12-05", from: 50, to: 100 }] },
      { hours: 20, createdOn: "2026-11-25", current: 60, changes: [{ on: "2026-12-08", from: 0, to: 25 }, { on: "2026-12-11", from: 25, to: 60 }] },
      { hours: 30, createdOn: "2026-12-10", current: 0, changes: [] },
    ],
    worklogs: [
      { on: "2026-12-10", hours: 6 },
      { on: "2026-11-30", hours: 6 },
      { on: "2026-12-01", hours: 8 },
      { on: "2026-12-03", hours: 10 },
      { on: "2026-12-04", hours: 12 },
      { on: "2026-12-08", hours: 8 },
    ],
    today: "2026-12-16",
  });

  it("plans, earns and spends hours week by week, with the indices", () => {
    expect(values).toEqual([
      { label: "2026-W49", start: "2026-11-30", end: "2026-12-06", plannedValue: 48, earnedValue: 40, actualCost: 36, scheduleVariance: -8, costVariance: 4, spi: 0.83, cpi: 1.11 },
      { label: "2026-W50", start: "2026-12-07", end: "2026-12-13", plannedValue: 60, earnedValue: 52, actualCost: 50, scheduleVariance: -8, costVariance: 2, spi: 0.87, cpi: 1.04 },
      // Ends after today: only the plan is known.
      { label: "2026-W51", start: "2026-12-14", end: "2026-12-20", plannedValue: 90, earnedValue: null, actualCost: null, scheduleVariance: null, costVariance: null, spi: null, cpi: null },
    ]);
  });

  it("has no indices while nothing is planned or spent", () => {
    const [first] = earnedValue({
      calendar: standard,
      periods: periodsCovering("2026-11-23", "2026-11-29", "week"),
      planned: [{ hours: 40, start: "2026-11-30", finish: "2026-12-04" }],
      progress: [{ hours: 40, createdOn: "2026-11-20", current: 10, changes: [] }],
      worklogs: [],
      today: "2026-12-16",
    });
    // A task with no recorded change was at its current percent all along (4 of 40 h).
    expect(first).toMatchObject({ plannedValue: 0, earnedValue: 4, actualCost: 0, spi: null, cpi: null });
  });
});
