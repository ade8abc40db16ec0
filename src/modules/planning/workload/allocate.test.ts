import { describe, expect, it } from "vitest";
import { compileCalendar, STANDARD_WEEK, withDaysOff } from "../calendar/workdays.js";
import { computeWorkload, weeksCovering, type OpenTask } from "./allocate.js";

// A known case, counted by hand: weeks 2026-W49 (Nov 30 - Dec 6) and W50 (Dec 7 - 13).
const orgCalendar = compileCalendar({ workingWeekdays: STANDARD_WEEK });
const org = { calendar: orgCalendar, hoursPerDay: 8 };
const ann = { userId: "ann", name: "Ann", hoursPerDay: 8, calendar: orgCalendar };
// Part time: Monday to Wednesday, 4 hours a day, away on Wednesday Dec 9.
const bob = { userId: "bob", name: "Bob", hoursPerDay: 4, calendar: compileCalendar(withDaysOff({ workingWeekdays: [1, 2, 3] }, ["2026-12-09"])) };

const open = (assigneeId: string, remainingHours: number, startDate: string | null, dueDate: string | null, projectId = "P1"): OpenTask => ({
  assigneeId,
  projectId,
  startDate,
  dueDate,
  remainingHours,
});

const tasks = [
  open("ann", 40, "2026-11-30", "2026-12-09"), // 8 working days, 5 h each: 25 in W49, 15 in W50
  open("ann", 20, "2026-12-03", null), // 3 days from Thursday: 2 in W49, 1 in W50
  open("ann", 24, null, "2026-12-11", "P2"), // 3 days ending Friday, all in W50
  open("ann", 10, null, null), // no dates: unscheduled
  open("bob", 18, "2026-12-01", "2026-12-10"), // Bob works Tue 1, Wed 2, Mon 7, Tue 8 in it: 4.5 h each
  open("bob", 3, "2026-12-10", "2026-12-10"), // a Thursday Bob never works: falls back to the org's day
  open("carl", 50, "2026-12-01", "2026-12-02"), // not a member: ignored
];

describe("workload", () => {
  const weeks = weeksCovering("2026-12-02", "2026-12-08");

  it("covers whole ISO weeks", () => {
    expect(weeks).toEqual([
      { week: "2026-W49", start: "2026-11-30", end: "2026-12-06" },
      { week: "2026-W50", start: "2026-12-07", end: "2026-12-13" },
    ]);
  });

  it("spreads remaining hours over the assignee's working days and flags weeks over capacity", () => {
    const [a, b] = computeWorkload({ weeks, people: [ann, bob], tasks, org });
    expect(a!.weeks).toEqual([
      { week: "2026-W49", capacityHours: 40, allocatedHours: 38.33, totalAllocatedHours: 38.33, overallocated: false },
      { week: "2026-W50", capacityHours: 40, allocatedHours: 45.67, totalAllocatedHours: 45.67, overallocated: true },
    ]);
    expect(a!.unscheduledHours).toBe(10);
    expect(b!.weeks).toEqual([
      { week: "2026-W49", capacityHours: 12, allocatedHours: 9, totalAllocatedHours: 9, overallocated: false },
      { week: "2026-W50", capacityHours: 8, allocatedHours: 12, totalAllocatedHours: 12, overallocated: true },
    ]);
  });

  it("counts one project's work as allocated but flags overallocation on everything the person does", () => {
    const [a] = computeWorkload({ weeks, people: [ann], tasks, org, projectId: "P2" });
    expect(a!.weeks.map((w) => [w.allocatedHours, w.totalAllocatedHours, w.overallocated])).toEqual([
      [0, 38.33, false],
      [24, 45.67, true],
    ]);
    expect(a!.unscheduledHours).toBe(0);
  });
});
