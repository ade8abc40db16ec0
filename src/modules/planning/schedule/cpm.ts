// Critical path method on the working-day axis (see calendar/workdays.ts): every
// time is a point k = "the start of working day k", so a task of duration d that
// starts at point s finishes at point s + d, and FS +0 means "starts when the
// predecessor finishes" = the next working day. Lags are working days.
// One forward and one backward pass in topological order: O(V + E).

export type DependencyType = "FS" | "SS" | "FF" | "SF";

export interface Activity {
  id: string;
  /** Working days; 0 for a milestone. */
  duration: number;
  /** The earliest point the task's own dates allow, and which date that is; null: as soon as the project starts. */
  notBefore: { point: number; reason: "startDate" | "dueDate" | "milestoneDate" } | null;
}

/** A task of another project linked by a dependency: its planned dates are fixed constraints. */
export interface FixedActivity {
  id: string;
  start: number;
  finish: number;
}

export interface Link {
  predecessorId: string;
  successorId: string;
  type: DependencyType;
  /** Working days; negative is a lead. */
  lag: number;
}

export type Driver =
  | { kind: "dependency"; predecessorId: string; type: DependencyType; lag: number }
  | { kind: "startDate" | "dueDate" | "milestoneDate" | "projectStart" };

export interface TimedActivity {
  id: string;
  duration: number;
  es: number;
  ef: number;
  ls: number;
  lf: number;
  /** Total slack in working days: how far the task can slip without moving the project finish or a fixed successor. */
  slack: number;
  /** Free slack: how far it can slip without moving any successor's early dates (never more than total slack). */
  freeSlack: number;
  critical: boolean;
  driver: Driver;
}

export interface CpmResult {
  finish: number;
  /** Same order as the input activities. */
  activities: TimedActivity[];
}

/** The dependencies among these activities loop; `ids` are the activities left on or behind the loop. */
export class ScheduleCycleError extends Error {
  constructor(readonly ids: string[]) {
    super(`dependency cycle among ${ids.length} tasks`);
  }
}

/** Earliest start a link allows its successor (duration d), from the predecessor's start and finish. */
export function earliestStartVia(type: DependencyType, lag: number, predStart: number, predFinish: number, d: number): number {
  switch (type) {
    case "FS":
      return predFinish + lag;
    case "SS":
      return predStart + lag;
    case "FF":
      return predFinish + lag - d;
    case "SF":
      return predStart + lag - d;
  }
}

/** Latest finish a link allows its predecessor (duration d), from the successor's late start and finish. */
export function latestFinishVia(type: DependencyType, lag: number, succStart: number, succFinish: number, d: number): number {
  switch (type) {
    case "FS":
      return succStart - lag;
    case "SS":
      return succStart - lag + d;
    case "FF":
      return succFinish - lag;
    case "SF":
      return succFinish - lag + d;
  }
}

interface Edge {
  other: number;
  link: Link;
}

export function criticalPath(input: { projectStart: number; activities: readonly Activity[]; fixed: readonly FixedActivity[]; links: readonly Link[] }): CpmResult {
  const { activities } = input;
  const n = activities.length;
  const index = new Map(activities.map((a, i) => [a.id, i]));
  const fixed = new Map(input.fixed.map((f) => [f.id, f]));
  const incoming: Edge[][] = activities.map(() => []);
  const outgoing: Edge[][] = activities.map(() => []);
  const fixedBefore: { at: FixedActivity; link: Link }[][] = activities.map(() => []);
  const fixedAfter: { at: FixedActivity; link: Link }[][] = activities.map(() => []);
  const indegree = new Int32Array(n);
  for (const link of input.links) {
    const p = index.get(link.predecessorId);
    const s = index.get(link.successorId);
    if (p !== undefined && s !== undefined) {
      outgoing[p]!.push({ other: s, link });
      incoming[s]!.push({ other: p, link });
      indegree[s]!++;
    } else if (s !== undefined) {
      const at = fixed.get(link.predecessorId);
      if (at) fixedBefore[s]!.push({ at, link });
    } else if (p !== undefined) {
      const at = fixed.get(link.successorId);
      if (at) fixedAfter[p]!.push({ at, link });
    }
  }

  const order = topologicalOrder(indegree, outgoing);
  if (order.length < n) {
    const placed = new Set(order);
    throw new ScheduleCycleError(activities.filter((_, i) => !placed.has(i)).map((a) => a.id));
  }

  const es = new Float64Array(n);
  const ef = new Float64Array(n);
  const drivers: Driver[] = new Array<Driver>(n);
  for (const i of order) {
    const a = activities[i]!;
    let start = a.notBefore?.point ?? input.projectStart;
    let driver: Driver = { kind: a.notBefore?.reason ?? "projectStart" };
    const consider = (candidate: number, link: Link) => {
      // On a tie the dependency is the better explanation than the task's own date.
      if (candidate > start || (candidate === start && driver.kind !== "dependency")) {
        start = candidate;
        driver = { kind: "dependency", predecessorId: link.predecessorId, type: link.type, lag: link.lag };
      }
    };
    for (const { other, link } of incoming[i]!) consider(earliestStartVia(link.type, link.lag, es[other]!, ef[other]!, a.duration), link);
    for (const { at, link } of fixedBefore[i]!) consider(earliestStartVia(link.type, link.lag, at.start, at.finish, a.duration), link);
    es[i] = start;
    ef[i] = start + a.duration;
    drivers[i] = driver;
  }

  let finish = input.projectStart;
  for (let i = 0; i < n; i++) finish = Math.max(finish, ef[i]!);

  const ls = new Float64Array(n);
  const lf = new Float64Array(n);
  for (let j = order.length - 1; j >= 0; j--) {
    const i = order[j]!;
    const d = activities[i]!.duration;
    let late = finish;
    for (const { other, link } of outgoing[i]!) late = Math.min(late, latestFinishVia(link.type, link.lag, ls[other]!, lf[other]!, d));
    for (const { at, link } of fixedAfter[i]!) late = Math.min(late, latestFinishVia(link.type, link.lag, at.start, at.finish, d));
    lf[i] = late;
    ls[i] = late - d;
  }

  return {
    finish,
    activities: activities.map((a, i) => {
      const slack = ls[i]! - es[i]!;
      let free = slack;
      for (const { other, link } of outgoing[i]!) free = Math.min(free, es[other]! - earliestStartVia(link.type, link.lag, es[i]!, ef[i]!, activities[other]!.duration));
      for (const { at, link } of fixedAfter[i]!) free = Math.min(free, at.start - earliestStartVia(link.type, link.lag, es[i]!, ef[i]!, at.finish - at.start));
      return { id: a.id, duration: a.duration, es: es[i]!, ef: ef[i]!, ls: ls[i]!, lf: lf[i]!, slack, freeSlack: Math.max(0, free), critical: slack <= 0, driver: drivers[i]! };
    }),
  };
}

/** Kahn's algorithm; ties keep the input order, so equal inputs give equal outputs. */
function topologicalOrder(indegree: Int32Array, outgoing: Edge[][]): number[] {
  const remaining = Int32Array.from(indegree);
  const order: number[] = [];
  for (let i = 0; i < remaining.length; i++) if (remaining[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    for (const { other } of outgoing[order[head]!]!) {
      if (--remaining[other]! === 0) order.push(other);
    }
  }
  return order;
}
