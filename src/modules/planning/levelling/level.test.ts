import { describe, expect, it } from "vitest";
import { compileCalendar, STANDARD_WEEK } from "../calendar/workdays.js";
import { weeksCovering, type OpenTask } from "../workload/allocate.js";
import { planLevelling, type LevelTask } from "./level.js";

// Weeks 2026-W49 (Nov 30 - Dec 6) and W50. Ann has 20 fixed hours in W49 plus
// this project's T1 (20 h, critical), T2 (16 h over two days, 5 days of free
// slack) and T3 (10 h, no slack): 66 hours against 40. Bob has 35 fixed hours.
const calendar = compileCalendar({ workingWeekdays: STANDARD_WEEK });
const org = { calendar, hoursPerDay: 8 };
const person = (userId: string) => ({ userId, name: userId, hoursPerDay: 8, calendar });
const fixedWork = (annHours: number): OpenTask[] => [
  { assigneeId: "ann", projectId: "other", startDate: "2026-11-30", dueDate: "2026-12-04", remainingHours: annHours },
  { assigneeId: "bob", projectId: "other", startDate: "2026-11-30", dueDate: "2026-12-04", remainingHours: 35 },
];
const movable: LevelTask[] = [
  { id: "T1", key: "P-1", assigneeId: "ann", startDate: "2026-11-30", dueDate: "2026-12-04", remainingHours: 20, freeSlack: 0, critical: true },
  { id: "T2", key: "P-2", assigneeId: "ann", startDate: "2026-12-02", dueDate: "2026-12-03", remainingHours: 16, freeSlack: 5, critical: false },
  { id: "T3", key: "P-3", assigneeId: "ann", startDate: "2026-11-30", dueDate: "2026-12-01", remainingHours: 10, freeSlack: 0, critical: false },
];
const base = { weeks: weeksCovering("2026-11-30", "2026-12-13"), people: ["ann", "bob", "cat"].map(person), org, fixed: fixedWork(20), movable, eligible: ["ann", "bob", "cat"] };

describe("levelling", () => {
  it("delays within free slack, then hands work to someone with room, and clears the overallocation", () => {
    const r = planLevelling({ ...base, includeCritical: false });
    expect(r.before).toEqual([{ userId: "ann", week: "2026-W49", allocatedHours: 66, capacityHours: 40 }]);
    expect(r.changes).toEqual([
      {
        taskId: "T2",
        key: "P-2",
        kind: "delay",
        startDate: { from: "2026-12-02", to: "2026-12-07" },
        dueDate: { from: "2026-12-03", to: "2026-12-08" },
        delayDays: 3,
        relieves: { userId: "ann", excessBefore: 26, excessAfter: 10 },
      },
      { taskId: "T3", key: "P-3", kind: "reassign", assigneeId: { from: "ann", to: "cat" }, relieves: { userId: "ann", excessBefore: 10, excessAfter: 0 } },
    ]);
    expect(r.after).toEqual([]);
  });

  it("never moves a critical task unless asked", () => {
    // 30 + 20 = 50 hours: only the critical T1 could relieve Ann.
    const onlyCritical = { ...base, fixed: fixedWork(30), movable: [movable[0]!] };
    const plain = planLevelling({ ...onlyCritical, includeCritical: false });
    expect(plain.before).toEqual([{ userId: "ann", week: "2026-W49", allocatedHours: 50, capacityHours: 40 }]);
    expect(plain.changes).toEqual([]);
    expect(plain.after).toEqual(plain.before);
    const asked = planLevelling({ ...onlyCritical, includeCritical: true });
    expect(asked.changes).toEqual([{ taskId: "T1", key: "P-1", kind: "reassign", assigneeId: { from: "ann", to: "cat" }, relieves: { userId: "ann", excessBefore: 10, excessAfter: 0 } }]);
  });

  it("leaves things as they are when nothing helps", () => {
    // 35 + 10 = 45 hours; T3 has no slack and Bob has no room for it.
    const r = planLevelling({ ...base, fixed: fixedWork(35), eligible: ["ann", "bob"], movable: [movable[2]!], includeCritical: false });
    expect(r.before).toEqual([{ userId: "ann", week: "2026-W49", allocatedHours: 45, capacityHours: 40 }]);
    expect(r.changes).toEqual([]);
    expect(r.after).toEqual(r.before);
  });
});
