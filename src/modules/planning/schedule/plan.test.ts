import { describe, expect, it } from "vitest";
import { presetById } from "../calendar/presets.js";
import { compileCalendar, STANDARD_WEEK } from "../calendar/workdays.js";
import { criticalPath, ScheduleCycleError, type DependencyType, type Link } from "./cpm.js";
import { buildSchedule, durationOf, type PlannedTask, type ScheduledTask } from "./plan.js";

// Hand-computed networks. Working days are counted on paper from the calendar;
// the expected dates, slack and critical path below are not produced by the code.

const standard = compileCalendar({ workingWeekdays: STANDARD_WEEK });
const cn2026 = compileCalendar({
  workingWeekdays: STANDARD_WEEK,
  exceptions: presetById("cn-mainland")!.years.find((y) => y.year === 2026)!.days.map((d) => [d.date, d.working] as const),
});

const task = (key: string, over: Partial<PlannedTask> = {}): PlannedTask => ({
  id: key,
  key,
  startDate: null,
  dueDate: null,
  estimateHours: null,
  milestone: false,
  ...over,
});
const link = (predecessorId: string, successorId: string, type: DependencyType = "FS", lag = 0): Link => ({ predecessorId, successorId, type, lag });

const dates = (t: ScheduledTask) => [t.earlyStart, t.earlyFinish, t.lateStart, t.lateFinish, t.slackDays, t.critical];
const byKey = (tasks: ScheduledTask[]) => Object.fromEntries(tasks.map((t) => [t.key, t]));

describe("a finish-to-start network", () => {
  // A(3) -> B(2) -> D(2); A -> C(4) -> D; B -> E(1). Project starts Monday 2026-11-30.
  const plan = buildSchedule({
    calendar: standard,
    hoursPerDay: 8,
    tasks: [
      task("A", { startDate: "2026-11-30", dueDate: "2026-12-02" }),
      task("B", { estimateHours: 16 }),
      task("C", { estimateHours: 32 }),
      task("D", { estimateHours: 16 }),
      task("E", { estimateHours: 8 }),
    ],
    external: [],
    links: [link("A", "B"), link("A", "C"), link("B", "D"), link("C", "D"), link("B", "E")],
    today: "2030-01-01",
    locale: "en",
  });
  const t = byKey(plan.tasks);

  it("computes early and late dates, slack and the critical path", () => {
    expect(plan.projectStart).toBe("2026-11-30");
    expect(plan.projectFinish).toBe("2026-12-10");
    expect(dates(t.A!)).toEqual(["2026-11-30", "2026-12-02", "2026-11-30", "2026-12-02", 0, true]);
    expect(dates(t.B!)).toEqual(["2026-12-03", "2026-12-04", "2026-12-07", "2026-12-08", 2, false]);
    expect(dates(t.C!)).toEqual(["2026-12-03", "2026-12-08", "2026-12-03", "2026-12-08", 0, true]);
    expect(dates(t.D!)).toEqual(["2026-12-09", "2026-12-10", "2026-12-09", "2026-12-10", 0, true]);
    expect(dates(t.E!)).toEqual(["2026-12-07", "2026-12-07", "2026-12-10", "2026-12-10", 3, false]);
    expect(plan.criticalPath).toEqual(["A", "C", "D"]);
    expect(plan.conflicts).toEqual([]);
    // Free slack: B can slip 0 days without moving E; E, at the end, its whole 3.
    expect(plan.tasks.map((x) => [x.key, x.freeSlackDays])).toEqual([["A", 0], ["B", 0], ["C", 0], ["D", 0], ["E", 3]]);
  });

  it("explains each start by the constraint that set it", () => {
    expect(t.A!.driver).toBe("starts 2026-11-30, its start date");
    expect(t.B!.driver).toBe("starts 2026-12-03 because A finishes 2026-12-02, FS +0");
    expect(t.D!.driver).toBe("starts 2026-12-09 because C finishes 2026-12-08, FS +0");
    expect(t.D!.drivenBy).toEqual({ kind: "dependency", taskId: "C", taskKey: "C", type: "FS", lagDays: 0 });
  });
});

describe("all four dependency types with lags and a lead", () => {
  // A(5) from Mon 2026-11-30; B SS+2 on A; C FF+1 on A; D FS-2 on B; E SF+3 on A; milestone M after C and D.
  const plan = buildSchedule({
    calendar: standard,
    hoursPerDay: 8,
    tasks: [
      task("A", { startDate: "2026-11-30", dueDate: "2026-12-04" }),
      task("B", { estimateHours: 24 }),
      task("C", { estimateHours: 16 }),
      task("D", { estimateHours: 32 }),
      task("E", { estimateHours: 16 }),
      task("M", { milestone: true }),
    ],
    external: [],
    links: [link("A", "B", "SS", 2), link("A", "C", "FF", 1), link("B", "D", "FS", -2), link("A", "E", "SF", 3), link("C", "M"), link("D", "M")],
    today: "2030-01-01",
    locale: "en",
  });
  const t = byKey(plan.tasks);

  it("places every task and milestone at the hand-computed dates", () => {
    expect(dates(t.A!)).toEqual(["2026-11-30", "2026-12-04", "2026-11-30", "2026-12-04", 0, true]);
    expect(dates(t.B!)).toEqual(["2026-12-02", "2026-12-04", "2026-12-02", "2026-12-04", 0, true]);
    expect(dates(t.C!)).toEqual(["2026-12-04", "2026-12-07", "2026-12-07", "2026-12-08", 1, false]);
    expect(dates(t.D!)).toEqual(["2026-12-03", "2026-12-08", "2026-12-03", "2026-12-08", 0, true]);
    expect(dates(t.E!)).toEqual(["2026-12-01", "2026-12-02", "2026-12-07", "2026-12-08", 4, false]);
    expect(dates(t.M!)).toEqual(["2026-12-08", "2026-12-08", "2026-12-08", "2026-12-08", 0, true]);
    expect(t.M!.durationDays).toBe(0);
    expect(plan.projectFinish).toBe("2026-12-08");
    expect(plan.criticalPath).toEqual(["A", "B", "D", "M"]);
    expect([t.C!.freeSlackDays, t.E!.freeSlackDays]).toEqual([1, 4]);
  });

  it("names the type, lag and the predecessor date each link reads", () => {
    expect(t.B!.driver).toBe("starts 2026-12-02 because A starts 2026-11-30, SS +2");
    expect(t.C!.driver).toBe("finishes 2026-12-07 because A finishes 2026-12-04, FF +1");
    expect(t.D!.driver).toBe("starts 2026-12-03 because B finishes 2026-12-04, FS -2");
    expect(t.E!.driver).toBe("finishes 2026-12-02 because A starts 2026-11-30, SF +3");
    expect(t.M!.driver).toBe("is reached 2026-12-08 because D finishes 2026-12-08, FS +0");
  });
});

describe("a schedule across the 2026 Spring Festival", () => {
  // Feb 14 and Feb 28 (Saturdays) are make-up working days; Feb 15-23 are off.
  const plan = buildSchedule({
    calendar: cn2026,
    hoursPerDay: 8,
    tasks: [
      task("P", { startDate: "2026-02-11", dueDate: "2026-02-14" }),
      task("Q", { estimateHours: 16 }),
      task("R", { startDate: "2026-02-13", dueDate: "2026-02-26" }),
      task("S", { milestone: true }),
      task("T", { estimateHours: 10 }),
    ],
    external: [],
    links: [link("P", "Q", "FS", 2), link("P", "R", "SS"), link("Q", "S"), link("R", "S"), link("S", "T")],
    today: "2030-01-01",
    locale: "zh-CN",
  });
  const t = byKey(plan.tasks);

  it("counts the make-up Saturdays as working days and skips the holiday", () => {
    expect(t.P!.durationDays).toBe(4);
    expect(t.R!.durationDays).toBe(5);
    expect(dates(t.P!)).toEqual(["2026-02-11", "2026-02-14", "2026-02-11", "2026-02-14", 0, true]);
    expect(dates(t.Q!)).toEqual(["2026-02-26", "2026-02-27", "2026-02-26", "2026-02-27", 0, true]);
    expect(dates(t.R!)).toEqual(["2026-02-13", "2026-02-26", "2026-02-14", "2026-02-27", 1, false]);
    expect(dates(t.S!)).toEqual(["2026-02-27", "2026-02-27", "2026-02-27", "2026-02-27", 0, true]);
    expect(dates(t.T!)).toEqual(["2026-02-28", "2026-03-02", "2026-02-28", "2026-03-02", 0, true]);
    expect([plan.projectStart, plan.projectFinish]).toEqual(["2026-02-11", "2026-03-02"]);
    expect(plan.criticalPath).toEqual(["P", "Q", "S", "T"]);
  });

  it("explains the dates in Chinese", () => {
    expect(t.Q!.driver).toBe("2026-02-26 开始，因为 P 于 2026-02-14 完成（FS +2）");
    expect(t.R!.driver).toBe("2026-02-13 开始：计划开始日期");
    expect(t.S!.driver).toBe("2026-02-27 达成，因为 Q 于 2026-02-27 完成（FS +0）");
  });
});

describe("tasks of other projects", () => {
  it("act as fixed constraints, and a fixed successor can leave negative slack", () => {
    const plan = buildSchedule({
      calendar: standard,
      hoursPerDay: 8,
      tasks: [task("X", { estimateHours: 16 }), task("Y", { estimateHours: 24 })],
      external: [task("OPS-1", { startDate: "2026-12-07", dueDate: "2026-12-08" }), task("OPS-2", { startDate: "2026-12-14", dueDate: "2026-12-18" }), task("OPS-3")],
      links: [link("OPS-1", "X"), link("X", "Y"), link("Y", "OPS-2"), link("OPS-3", "Y")],
      today: "2026-12-01",
      locale: "en",
    });
    const t = byKey(plan.tasks);
    expect(plan.projectStart).toBe("2026-12-01");
    expect(dates(t.X!)).toEqual(["2026-12-09", "2026-12-10", "2026-12-07", "2026-12-08", -2, true]);
    expect(dates(t.Y!)).toEqual(["2026-12-11", "2026-12-15", "2026-12-09", "2026-12-11", -2, true]);
    expect(t.X!.driver).toBe("starts 2026-12-09 because OPS-1 finishes 2026-12-08, FS +0");
    expect(plan.projectFinish).toBe("2026-12-15");
  });
});

describe("durations and anchors", () => {
  it("follows API.md: dates inclusive, else estimate over hours per day, at least one day; milestones zero", () => {
    expect(durationOf(task("a", { startDate: "2026-12-05", dueDate: "2026-12-06" }), standard, 8)).toBe(1); // a weekend
    expect(durationOf(task("b", { startDate: "2026-12-04", dueDate: "2026-12-08" }), standard, 8)).toBe(3);
    expect(durationOf(task("c", { estimateHours: 12 }), standard, 8)).toBe(2);
    expect(durationOf(task("d", { estimateHours: 13 }), standard, 6)).toBe(3);
    expect(durationOf(task("e"), standard, 8)).toBe(1);
    expect(durationOf(task("f", { startDate: "2026-12-04", dueDate: "2026-12-08", milestone: true }), standard, 8)).toBe(0);
  });

  it("ends a task with only a due date on that date, and rolls a weekend start to Monday", () => {
    const plan = buildSchedule({
      calendar: standard,
      hoursPerDay: 8,
      tasks: [task("DUE", { dueDate: "2026-12-10", estimateHours: 24 }), task("SAT", { startDate: "2026-12-05" }), task("KICK", { milestone: true })],
      external: [],
      links: [],
      today: "2030-01-01",
      locale: "en",
    });
    const t = byKey(plan.tasks);
    expect([t.DUE!.earlyStart, t.DUE!.earlyFinish]).toEqual(["2026-12-08", "2026-12-10"]);
    expect(t.DUE!.driver).toBe("finishes 2026-12-10, its due date");
    expect(t.SAT!.driver).toBe("starts 2026-12-07, its start date (2026-12-05 is not a working day)");
    expect([plan.projectStart, t.KICK!.earlyStart]).toEqual(["2026-12-07", "2026-12-07"]);
    expect(t.KICK!.driver).toBe("is reached 2026-12-07 with the project: no predecessor or date of its own sets it");
  });

  it("starts an undated project today", () => {
    const plan = buildSchedule({ calendar: standard, hoursPerDay: 8, tasks: [task("A")], external: [], links: [], today: "2026-12-05", locale: "en" });
    expect(plan.projectStart).toBe("2026-12-07");
    expect(buildSchedule({ calendar: standard, hoursPerDay: 8, tasks: [], external: [], links: [], today: "2026-12-05", locale: "en" })).toEqual({
      projectStart: null,
      projectFinish: null,
      criticalPath: [],
      conflicts: [],
      late: [],
      tasks: [],
    });
  });

  it("reports a task whose own dates its dependencies contradict", () => {
    const plan = buildSchedule({
      calendar: standard,
      hoursPerDay: 8,
      tasks: [task("A", { startDate: "2026-11-30", dueDate: "2026-12-02" }), task("B", { startDate: "2026-12-01", dueDate: "2026-12-02" }), task("C", { startDate: "2026-12-10" })],
      external: [],
      links: [link("A", "B"), link("A", "C")],
      today: "2030-01-01",
      locale: "en",
    });
    const t = byKey(plan.tasks);
    expect(plan.conflicts).toEqual(["B"]);
    expect([t.B!.conflict, t.C!.conflict]).toEqual([true, false]);
    expect([t.B!.earlyStart, t.B!.earlyFinish]).toEqual(["2026-12-03", "2026-12-04"]);
    expect(t.B!.driver).toBe("starts 2026-12-03 because A finishes 2026-12-02, FS +0");
  });
});

describe("the critical path method", () => {
  it("refuses a cyclic network, naming the tasks on the loop", () => {
    const activities = ["a", "b", "c", "d"].map((id) => ({ id, duration: 1, notBefore: null }));
    const links = [link("a", "b"), link("b", "c"), link("c", "b"), link("c", "d")];
    expect(() => criticalPath({ projectStart: 0, activities, fixed: [], links })).toThrow(ScheduleCycleError);
    try {
      criticalPath({ projectStart: 0, activities, fixed: [], links });
    } catch (err) {
      expect((err as ScheduleCycleError).ids).toEqual(["b", "c", "d"]);
    }
  });

  it("keeps slack zero along a long chain and equal to the gap beside it", () => {
    const n = 5000;
    const activities = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, duration: 1 + (i % 3), notBefore: null }));
    const links: Link[] = [];
    for (let i = 1; i < n; i++) links.push(link(`t${i - 1}`, `t${i}`));
    for (let i = 2; i < n; i += 2) links.push(link(`t${i - 2}`, `t${i}`, "SS", 0));
    const r = criticalPath({ projectStart: 0, activities, fixed: [], links });
    expect(r.finish).toBe(activities.reduce((s, a) => s + a.duration, 0));
    expect(r.slack.every((slack) => slack === 0)).toBe(true);
  });
});

describe("summary tasks and due dates", () => {
  // A(2) from Mon 2026-11-30; S summarizes C1(2) and C2(3, SS+1 after C1); A -FS-> S -FS-> D(1).
  // L(3) is due Thu 12-03 but follows A: it finishes Fri 12-04, a day late. E(1) is due on its day.
  // T starts Mon 12-07 and holds back its subtasks T1 (dated 12-01) and T2 (undated).
  // The link S -> C1 joins a summary to its own subtask: it is left out.
  const plan = buildSchedule({
    calendar: standard,
    hoursPerDay: 8,
    tasks: [
      task("A", { startDate: "2026-11-30", dueDate: "2026-12-01" }),
      task("S", { estimateHours: 400, dueDate: "2026-12-31" }),
      task("C1", { estimateHours: 16, parentId: "S" }),
      task("C2", { estimateHours: 24, parentId: "S" }),
      task("D", { estimateHours: 8 }),
      task("L", { estimateHours: 24, dueDate: "2026-12-03" }),
      task("E", { estimateHours: 8, dueDate: "2026-11-30" }),
      task("T", { startDate: "2026-12-07" }),
      task("T1", { estimateHours: 8, startDate: "2026-12-01", parentId: "T" }),
      task("T2", { estimateHours: 8, parentId: "T" }),
    ],
    external: [],
    links: [link("A", "S"), link("C1", "C2", "SS", 1), link("S", "D"), link("A", "L"), link("S", "C1")],
    today: "2030-01-01",
    locale: "en",
  });
  const t = byKey(plan.tasks);

  it("spans a summary over its subtasks, which its links hold back", () => {
    expect([plan.projectStart, plan.projectFinish]).toEqual(["2026-11-30", "2026-12-08"]);
    expect(dates(t.A!)).toEqual(["2026-11-30", "2026-12-01", "2026-11-30", "2026-12-01", 0, true]);
    expect(dates(t.C1!)).toEqual(["2026-12-02", "2026-12-03", "2026-12-02", "2026-12-03", 0, true]);
    expect(dates(t.C2!)).toEqual(["2026-12-03", "2026-12-07", "2026-12-03", "2026-12-07", 0, true]);
    expect(dates(t.S!)).toEqual(["2026-12-02", "2026-12-07", "2026-12-02", "2026-12-07", 0, true]);
    expect([t.S!.summary, t.S!.durationDays, t.C1!.summary]).toEqual([true, 4, false]);
    expect(dates(t.D!)).toEqual(["2026-12-08", "2026-12-08", "2026-12-08", "2026-12-08", 0, true]);
    expect(dates(t.L!)).toEqual(["2026-12-02", "2026-12-04", "2026-12-04", "2026-12-08", 2, false]);
    expect(dates(t.E!)).toEqual(["2026-11-30", "2026-11-30", "2026-12-08", "2026-12-08", 6, false]);
    expect(plan.criticalPath).toEqual(["A", "C1", "S", "C2", "D"]);
    expect(plan.tasks.map((x) => [x.key, x.freeSlackDays])).toEqual([
      ["A", 0], ["S", 0], ["C1", 0], ["C2", 0], ["D", 0], ["L", 2], ["E", 6], ["T", 1], ["T1", 1], ["T2", 1],
    ]);
  });

  it("explains a subtask held back by its summary, and the summary by its subtasks", () => {
    expect(t.C1!.driver).toBe("starts 2026-12-02 because A finishes 2026-12-01, FS +0 (a link to its summary S)");
    expect(t.C1!.drivenBy).toEqual({ kind: "dependency", taskId: "A", taskKey: "A", type: "FS", lagDays: 0, viaParentId: "S", viaParentKey: "S" });
    expect(t.C2!.driver).toBe("starts 2026-12-03 because C1 starts 2026-12-02, SS +1");
    expect(t.S!.driver).toBe("spans its subtasks: starts 2026-12-02 with C1, finishes 2026-12-07 with C2");
    expect(t.D!.driver).toBe("starts 2026-12-08 because S finishes 2026-12-07, FS +0");
  });

  it("holds subtasks back to their summary's start date, reporting the dated one as a conflict", () => {
    expect(dates(t.T!)).toEqual(["2026-12-07", "2026-12-07", "2026-12-08", "2026-12-08", 1, false]);
    expect([t.T1!.earlyStart, t.T2!.earlyStart]).toEqual(["2026-12-07", "2026-12-07"]);
    expect(t.T1!.driver).toBe("starts 2026-12-07, the start date of its summary T");
    expect(t.T2!.drivenBy).toEqual({ kind: "parentStartDate", taskId: "T", taskKey: "T" });
    // L too: its due date would have it start 12-01, but A holds it to 12-02.
    expect(plan.conflicts).toEqual(["L", "T1"]);
  });

  it("flags a task that finishes after its due date, and the slack against due dates upstream", () => {
    expect(plan.late).toEqual(["L"]);
    expect([t.L!.late, t.L!.dueSlackDays]).toEqual([true, -1]);
    expect([t.A!.late, t.A!.dueSlackDays]).toEqual([false, -1]);
    expect([t.E!.late, t.E!.dueSlackDays]).toEqual([false, 0]);
    // A summary's own due date is a deadline for all of it (12-08..12-31: 18 working days); D has none ahead.
    expect([t.S!.late, t.S!.dueSlackDays, t.C2!.dueSlackDays, t.D!.dueSlackDays]).toEqual([false, 18, 18, null]);
  });

  it("makes every subtask finish no earlier than a finish-to-finish link into the summary allows", () => {
    const ff = buildSchedule({
      calendar: standard,
      hoursPerDay: 8,
      tasks: [task("P", { startDate: "2026-11-30", dueDate: "2026-12-04" }), task("Q"), task("Q1", { estimateHours: 8, parentId: "Q" }), task("Q2", { estimateHours: 24, parentId: "Q" })],
      external: [],
      links: [link("P", "Q", "FF", 0)],
      today: "2030-01-01",
      locale: "zh-CN",
    });
    const q = byKey(ff.tasks);
    expect([q.Q1!.earlyStart, q.Q1!.earlyFinish, q.Q2!.earlyStart, q.Q2!.earlyFinish]).toEqual(["2026-12-04", "2026-12-04", "2026-12-02", "2026-12-04"]);
    expect([q.Q!.earlyStart, q.Q!.earlyFinish, q.Q!.slackDays]).toEqual(["2026-12-02", "2026-12-04", 0]);
    expect(q.Q1!.driver).toBe("2026-12-04 完成，因为 P 于 2026-12-04 完成（FF +0，来自其汇总任务 Q 的依赖）");
    expect(q.Q!.driver).toBe("汇总子任务：2026-12-02 随 Q2 开始，2026-12-04 随 Q1 完成");
  });
});
