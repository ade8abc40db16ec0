import { dateAtOrdinal, ordinalOf, addDays, type WorkCalendar } from "../calendar/workdays.js";
import { earliestStartVia, type DependencyType } from "./cpm.js";
import { durationOf, type PlannedTask } from "./plan.js";

// Automatic scheduling: after a task's dates change (or a link is made), the
// dated tasks downstream of it in automatic-mode projects move later, as far as
// their dependencies require and no further, keeping their length in working
// days. Tasks are never pulled earlier than their own dates: those stay the
// user's, and the schedule shows the slack.

export interface ReschedulableTask extends PlannedTask {
  /** Its project schedules automatically. */
  automatic: boolean;
}

export interface Edge {
  predecessorId: string;
  successorId: string;
  type: DependencyType;
  lag: number;
}

export interface Move {
  id: string;
  startDate: { from: string | null; to: string | null };
  dueDate: { from: string | null; to: string | null };
  /** The link that pushed it. */
  because: { predecessorId: string; type: DependencyType; lag: number; predecessorDate: string };
}

interface Position {
  start: number;
  finish: number;
  duration: number;
}

/** Where a dated task sits on the working-day axis; undefined for an undated one. */
function positionOf(t: PlannedTask, cal: WorkCalendar, hoursPerDay: number): Position | undefined {
  const duration = durationOf(t, cal, hoursPerDay);
  if (t.milestone) {
    const date = t.dueDate ?? t.startDate;
    if (date === null) return undefined;
    const point = ordinalOf(cal, addDays(date, 1));
    return { start: point, finish: point, duration };
  }
  if (t.startDate !== null) {
    const start = ordinalOf(cal, t.startDate);
    return { start, finish: start + duration, duration };
  }
  if (t.dueDate !== null) {
    const finish = ordinalOf(cal, addDays(t.dueDate, 1));
    return { start: finish - duration, finish, duration };
  }
  return undefined;
}

/** The task's dates once it starts at `start` (same fields set as before). */
function datesAt(t: PlannedTask, start: number, duration: number, cal: WorkCalendar): { startDate: string | null; dueDate: string | null } {
  if (t.milestone) {
    const day = dateAtOrdinal(cal, start - 1);
    return { startDate: t.startDate === null ? null : day, dueDate: t.dueDate === null ? null : day };
  }
  return {
    startDate: t.startDate === null ? null : dateAtOrdinal(cal, start),
    dueDate: t.dueDate === null ? null : dateAtOrdinal(cal, start + duration - 1),
  };
}

/** Every task reachable from `changed` along links (not `changed` themselves, unless on a path). */
export function downstreamOf(edges: readonly Edge[], changed: readonly string[]): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) (next.get(e.predecessorId) ?? next.set(e.predecessorId, []).get(e.predecessorId)!).push(e.successorId);
  const reach = new Set<string>();
  const queue = [...changed];
  for (let head = 0; head < queue.length; head++) {
    for (const id of next.get(queue[head]!) ?? []) {
      if (!reach.has(id)) {
        reach.add(id);
        queue.push(id);
      }
    }
  }
  return reach;
}

/**
 * The moves that follow from a change to `changed`: every task reachable from
 * them, in dependency order, is checked against all its predecessors' (possibly
 * moved) dates. `tasks` must hold the reachable tasks and their predecessors.
 */
export function planMoves(input: {
  calendar: WorkCalendar;
  hoursPerDay: number;
  tasks: ReadonlyMap<string, ReschedulableTask>;
  edges: readonly Edge[];
  changed: readonly string[];
}): Move[] {
  const { calendar: cal, hoursPerDay } = input;
  const next = new Map<string, Edge[]>();
  const before = new Map<string, Edge[]>();
  for (const e of input.edges) {
    (next.get(e.predecessorId) ?? next.set(e.predecessorId, []).get(e.predecessorId)!).push(e);
    (before.get(e.successorId) ?? before.set(e.successorId, []).get(e.successorId)!).push(e);
  }
  // Everything downstream, then Kahn's order within it (links are acyclic).
  const reach = downstreamOf(input.edges, input.changed);
  const waiting = new Map<string, number>();
  for (const id of reach) waiting.set(id, (before.get(id) ?? []).filter((e) => reach.has(e.predecessorId)).length);
  const order = [...reach].filter((id) => waiting.get(id) === 0);
  for (let head = 0; head < order.length; head++) {
    for (const e of next.get(order[head]!) ?? []) {
      const left = waiting.get(e.successorId);
      if (left === undefined) continue;
      waiting.set(e.successorId, left - 1);
      if (left === 1) order.push(e.successorId);
    }
  }

  const current = new Map<string, PlannedTask>();
  const taskOf = (id: string) => current.get(id) ?? input.tasks.get(id);
  const moves: Move[] = [];
  for (const id of order) {
    const task = input.tasks.get(id);
    if (!task?.automatic) continue;
    const at = positionOf(task, cal, hoursPerDay);
    if (!at) continue;
    let required = at.start;
    let because: Move["because"] | undefined;
    for (const e of before.get(id) ?? []) {
      const pred = taskOf(e.predecessorId);
      const p = pred && positionOf(pred, cal, hoursPerDay);
      if (!p) continue;
      const candidate = earliestStartVia(e.type, e.lag, p.start, p.finish, at.duration);
      if (candidate > required) {
        required = candidate;
        const readsFinish = e.type === "FS" || e.type === "FF";
        // A finish (and a milestone) shows on the working day before its point.
        const predecessorDate = dateAtOrdinal(cal, readsFinish || p.duration === 0 ? p.finish - 1 : p.start);
        because = { predecessorId: e.predecessorId, type: e.type, lag: e.lag, predecessorDate };
      }
    }
    if (!because) continue;
    const moved = datesAt(task, required, at.duration, cal);
    current.set(id, { ...task, ...moved });
    moves.push({ id, startDate: { from: task.startDate, to: moved.startDate }, dueDate: { from: task.dueDate, to: moved.dueDate }, because });
  }
  return moves;
}
