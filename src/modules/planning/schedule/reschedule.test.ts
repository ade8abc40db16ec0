import { describe, expect, it } from "vitest";
import { compileCalendar, STANDARD_WEEK } from "../calendar/workdays.js";
import type { DependencyType } from "./cpm.js";
import { planMoves, type Edge, type ReschedulableTask } from "./reschedule.js";

const standard = compileCalendar({ workingWeekdays: STANDARD_WEEK });
const task = (id: string, over: Partial<ReschedulableTask> = {}): ReschedulableTask => ({
  id,
  key: id,
  startDate: null,
  dueDate: null,
  estimateHours: null,
  milestone: false,
  automatic: true,
  ...over,
});
const edge = (predecessorId: string, successorId: string, type: DependencyType = "FS", lag = 0): Edge => ({ predecessorId, successorId, type, lag });

describe("automatic rescheduling", () => {
  // A just grew to finish on Friday 2026-12-04 (it used to finish on Wednesday).
  const tasks = new Map(
    [
      task("A", { startDate: "2026-11-30", dueDate: "2026-12-04" }),
      task("B", { startDate: "2026-12-03", dueDate: "2026-12-04" }),
      task("C", { startDate: "2026-12-07", estimateHours: 8 }),
      task("D", { startDate: "2026-12-08", dueDate: "2026-12-08", automatic: false }),
      task("E", { startDate: "2026-12-10", dueDate: "2026-12-11" }),
      task("F", { dueDate: "2026-12-08", estimateHours: 16 }),
      task("M", { milestone: true, dueDate: "2026-12-07" }),
      task("U", { estimateHours: 8 }),
    ].map((t) => [t.id, t]),
  );
  const edges = [edge("A", "B"), edge("B", "C", "SS", 1), edge("B", "D"), edge("D", "E"), edge("C", "F", "FF", 1), edge("B", "M"), edge("A", "U")];
  const moves = planMoves({ calendar: standard, hoursPerDay: 8, tasks, edges, changed: ["A"] });
  const byId = Object.fromEntries(moves.map((m) => [m.id, m]));

  it("moves the dated dependents of automatic projects down the chain, keeping their length", () => {
    expect(Object.keys(byId).sort()).toEqual(["B", "C", "F", "M"]);
    expect(byId.B).toEqual({
      id: "B",
      startDate: { from: "2026-12-03", to: "2026-12-07" },
      dueDate: { from: "2026-12-04", to: "2026-12-08" },
      because: { predecessorId: "A", type: "FS", lag: 0, predecessorDate: "2026-12-04" },
    });
    expect(byId.C).toMatchObject({ startDate: { from: "2026-12-07", to: "2026-12-08" }, dueDate: { from: null, to: null }, because: { predecessorId: "B", type: "SS", lag: 1, predecessorDate: "2026-12-07" } });
    expect(byId.F).toMatchObject({ startDate: { from: null, to: null }, dueDate: { from: "2026-12-08", to: "2026-12-09" }, because: { predecessorId: "C", type: "FF", predecessorDate: "2026-12-08" } });
    expect(byId.M).toMatchObject({ dueDate: { from: "2026-12-07", to: "2026-12-08" }, because: { predecessorId: "B", predecessorDate: "2026-12-08" } });
  });

  it("leaves manual projects, tasks already late enough, and undated tasks alone", () => {
    expect(byId.D).toBeUndefined();
    expect(byId.E).toBeUndefined();
    expect(byId.U).toBeUndefined();
  });

  it("never pulls a task earlier", () => {
    const earlier = new Map(tasks).set("A", task("A", { startDate: "2026-11-30", dueDate: "2026-11-30" }));
    expect(planMoves({ calendar: standard, hoursPerDay: 8, tasks: earlier, edges, changed: ["A"] })).toEqual([]);
  });

  it("walks a long chain in one pass", () => {
    const chain = new Map<string, ReschedulableTask>();
    const links: Edge[] = [];
    for (let i = 0; i < 500; i++) {
      chain.set(`t${i}`, task(`t${i}`, { startDate: "2026-11-30", dueDate: "2026-11-30" }));
      if (i > 0) links.push(edge(`t${i - 1}`, `t${i}`));
    }
    const moves = planMoves({ calendar: standard, hoursPerDay: 8, tasks: chain, edges: links, changed: ["t0"] });
    expect(moves).toHaveLength(499);
    expect(moves.at(-1)).toMatchObject({ id: "t499", startDate: { to: "2028-10-27" } }); // 499 working days = 99 weeks and 4 days after Monday 2026-11-30
  });
});
