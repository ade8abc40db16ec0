// Critical path method on the working-day axis (see calendar/workdays.ts): every
// time is a point k = "the start of working day k", so a task of duration d that
// starts at point s finishes at point s + d, and FS +0 means "starts when the
// predecessor finishes" = the next working day. Lags are working days.
//
// Summary tasks (tasks with subtasks) work as in MS Project and OpenProject: they
// have no duration of their own but span their subtasks, earliest start to latest
// finish. A link to a summary (and its own start date) holds back every subtask;
// a link from a summary follows its span. Internally a summary is two nodes: a
// gate before its subtasks (what holds them back) and its span after them.
//
// One forward and two backward passes (project finish, then due dates as
// deadlines) in topological order: O(V + E).

import { finishBinds, finishVia, Network, startVia, tiesFinish, type Activity, type DependencyType, type FixedActivity, type Link } from "./network.js";

export { earliestStartVia, ScheduleCycleError, type Activity, type DependencyType, type FixedActivity, type Link } from "./network.js";

export type Driver =
  | { kind: "dependency"; predecessorId: string; type: DependencyType; lag: number; viaParentId?: string }
  | { kind: "parentStartDate"; parentId: string }
  | { kind: "subtasks"; firstId: string; lastId: string }
  | { kind: "startDate" | "dueDate" | "milestoneDate" | "projectStart" };

/**
 * The schedule of a network, one entry per activity in input order: typed arrays
 * rather than an object per activity, since a big project's result would otherwise
 * be thousands of short-lived objects for its reader to copy once more.
 */
export interface CpmResult {
  finish: number;
  /** Early and late start and finish points (a summary: its subtasks' span). */
  es: Float64Array;
  ef: Float64Array;
  ls: Float64Array;
  lf: Float64Array;
  /** Working days (a summary: its span). */
  duration: Float64Array;
  /** 1 for a summary (a task with subtasks). */
  summary: Uint8Array;
  /** Total slack in working days: how far it can slip without moving the project finish or a fixed successor (a summary: its tightest subtask's). Critical when <= 0. */
  slack: Float64Array;
  /** Free slack: how far it can slip without moving any successor's early dates (never more than total slack). */
  freeSlack: Float64Array;
  /** Working days it can slip before it or something after it misses a due date; negative: that late; Infinity: no due date ahead. */
  dueSlack: Float64Array;
  /** 1 when pushed past its own start (or, for a summary, past its own start date) by links or its summary. */
  pushed: Uint8Array;
  /** 1 when it finishes after its own due date. */
  late: Uint8Array;
  /** Why activity i starts when it does. */
  driver(i: number): Driver;
  /** Links left out because they join a task to its own summary (a summary already contains its subtasks). */
  ignoredLinks: Link[];
}

// Why a start is where it is, by strength: on equal dates the more specific reason
// explains it better (a direct link, then a link to its summary, then a date).
const Why = { None: -1, ProjectStart: 0, OwnDate: 1, SummaryStartDate: 2, SummaryLink: 3, DirectLink: 4 } as const;
const strength = (w: number): number => (w === Why.DirectLink ? 3 : w === Why.SummaryLink ? 2 : w === Why.ProjectStart ? 0 : 1);

/** Why a node's start (or a gate's start or finish bound) is where it is: the reason and the link or summary it comes from. */
class Reasons {
  readonly why: Int8Array;
  readonly link: Int32Array;
  readonly summary: Int32Array;
  constructor(size: number) {
    this.why = new Int8Array(size).fill(Why.None);
    this.link = new Int32Array(size).fill(-1);
    this.summary = new Int32Array(size).fill(-1);
  }
  set(i: number, why: number, link: number, summary: number): void {
    this.why[i] = why;
    this.link[i] = link;
    this.summary[i] = summary;
  }
  copy(i: number, from: Reasons, j: number): void {
    this.set(i, from.why[j]!, from.link[j]!, from.summary[j]!);
  }
}

/** Links to or from tasks of other projects, for the (many) nodes that have none. */
const NONE: readonly { at: FixedActivity; link: number }[] = [];

/** A summary's gate bounds: the earliest its subtasks may start and finish, and why. */
interface Gates {
  gateStart: Float64Array;
  gateFinish: Float64Array;
  gateStartWhy: Reasons;
  gateFinishWhy: Reasons;
}

// The passes below call plain functions rather than closures made per node: with
// thousands of nodes, a closure per node costs more than the arithmetic it does.

/** A link into summary s holds back its subtasks' start (FS, SS) or finish (FF, SF). */
function holdGate(s: number, net: Network, l: number, predStart: number, predFinish: number, g: Gates): void {
  const type = net.linkType[l]!;
  const point = startVia(type, net.linkLag[l]!, predStart, predFinish, 0);
  if (tiesFinish(type)) {
    if (point > g.gateFinish[s]!) {
      g.gateFinish[s] = point;
      g.gateFinishWhy.set(s, Why.SummaryLink, l, s);
    }
  } else if (point > g.gateStart[s]! || (point === g.gateStart[s] && g.gateStartWhy.why[s] !== Why.SummaryLink)) {
    g.gateStart[s] = point;
    g.gateStartWhy.set(s, Why.SummaryLink, l, s);
  }
}

/** Moves v's early start to a later candidate, or keeps it and takes the better explanation on a tie. */
function consider(v: number, candidate: number, why: number, link: number, from: number, es: Float64Array, reasons: Reasons): void {
  if (candidate > es[v]! || (candidate === es[v] && strength(why) > strength(reasons.why[v]!))) {
    es[v] = candidate;
    reasons.set(v, why, link, from);
  }
}

export function criticalPath(input: {
  projectStart: number;
  activities: readonly Activity[];
  fixed: readonly FixedActivity[];
  links: readonly Link[];
  /** The activities' positions by id, when the caller has them already. */
  index?: ReadonlyMap<string, number>;
}): CpmResult {
  const { activities, projectStart, links } = input;
  const net = new Network(activities, input.fixed, links, input.index);
  const { n, order, summary, children, parent, incoming, outgoing, linkType, linkLag } = net;

  // ---- forward pass: early dates ----
  const es = new Float64Array(n);
  const ef = new Float64Array(n);
  const duration = new Float64Array(n);
  /** The earliest finish among a summary's subtasks (how far a finish-tied link into it can push). */
  const minEf = new Float64Array(n);
  const reasons = new Reasons(n);
  /** A summary's first and last subtask (by early start and finish). */
  const firstChild = new Int32Array(n);
  const lastChild = new Int32Array(n);
  // A gate: the earliest its subtasks may start, and finish, and why.
  const gateStart = new Float64Array(n).fill(-Infinity);
  const gateFinish = new Float64Array(n).fill(-Infinity);
  const gateStartWhy = new Reasons(n);
  const gateFinishWhy = new Reasons(n);
  const gate: Gates = { gateStart, gateFinish, gateStartWhy, gateFinishWhy };

  // The passes visit activities in topological order, all over memory: read what they need once, in order.
  const ownDuration = new Float64Array(n);
  const ownStart = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const a = activities[i]!;
    ownDuration[i] = a.duration;
    if (a.notBefore) ownStart[i] = a.notBefore.point;
  }

  for (const v of order) {
    if (v >= n) {
      const s = v - n;
      if (!Number.isNaN(ownStart[s]!)) {
        gateStart[s] = ownStart[s]!;
        gateStartWhy.set(s, Why.SummaryStartDate, -1, s);
      }
      const up = parent[s]!;
      if (up >= 0) {
        if (gateStart[up]! > gateStart[s]!) {
          gateStart[s] = gateStart[up]!;
          gateStartWhy.copy(s, gateStartWhy, up);
        }
        if (gateFinish[up]! > gateFinish[s]!) {
          gateFinish[s] = gateFinish[up]!;
          gateFinishWhy.copy(s, gateFinishWhy, up);
        }
      }
      for (let e = incoming.first[v]!; e < incoming.first[v + 1]!; e++) {
        const l = incoming.link[e]!;
        if (l >= 0) holdGate(s, net, l, es[incoming.node[e]!]!, ef[incoming.node[e]!]!, gate);
      }
      for (const { at, link } of net.fixedBefore.get(v) ?? NONE) holdGate(s, net, link, at.start, at.finish, gate);
      continue;
    }
    if (summary[v]) {
      let first = children.node[children.first[v]!]!;
      let last = first;
      let earliestFinish = Infinity;
      for (let k = children.first[v]!; k < children.first[v + 1]!; k++) {
        const c = children.node[k]!;
        if (es[c]! < es[first]!) first = c;
        if (ef[c]! > ef[last]!) last = c;
        earliestFinish = Math.min(earliestFinish, summary[c] ? minEf[c]! : ef[c]!);
      }
      es[v] = es[first]!;
      ef[v] = ef[last]!;
      minEf[v] = earliestFinish;
      duration[v] = ef[v] - es[v];
      firstChild[v] = first;
      lastChild[v] = last;
      continue;
    }
    const d = (duration[v] = ownDuration[v]!);
    const dated = !Number.isNaN(ownStart[v]!);
    // es[v] is the start so far; each candidate below may move it later (or explain it better).
    es[v] = dated ? ownStart[v]! : projectStart;
    reasons.set(v, dated ? Why.OwnDate : Why.ProjectStart, -1, -1);
    for (let e = incoming.first[v]!; e < incoming.first[v + 1]!; e++) {
      const l = incoming.link[e]!;
      if (l < 0) continue;
      const p = incoming.node[e]!;
      consider(v, startVia(linkType[l]!, linkLag[l]!, es[p]!, ef[p]!, d), Why.DirectLink, l, -1, es, reasons);
    }
    for (const { at, link } of net.fixedBefore.get(v) ?? NONE) consider(v, startVia(linkType[link]!, linkLag[link]!, at.start, at.finish, d), Why.DirectLink, link, -1, es, reasons);
    const up = parent[v]!;
    if (up >= 0) {
      if (gateStartWhy.why[up] !== Why.None) consider(v, gateStart[up]!, gateStartWhy.why[up]!, gateStartWhy.link[up]!, gateStartWhy.summary[up]!, es, reasons);
      if (gateFinishWhy.why[up] !== Why.None) consider(v, gateFinish[up]! - d, gateFinishWhy.why[up]!, gateFinishWhy.link[up]!, gateFinishWhy.summary[up]!, es, reasons);
    }
    ef[v] = es[v] + d;
  }

  let finish = projectStart;
  for (let i = 0; i < n; i++) finish = Math.max(finish, ef[i]!);

  // ---- backward passes: late dates against the project finish, then against due dates ----
  const deadline = new Float64Array(n);
  for (let i = 0; i < n; i++) deadline[i] = activities[i]!.deadline ?? Infinity;
  const late = backwardPass(net, es, duration, finish, null);
  const byDue = backwardPass(net, es, duration, Infinity, deadline);

  // Summaries take their tightest subtask's slack (subtasks come before their summary in `order`).
  const slack = new Float64Array(n);
  const dueSlack = new Float64Array(n);
  for (const v of order) {
    if (v >= n) continue;
    if (!summary[v]) {
      slack[v] = late.ls[v]! - es[v]!;
      dueSlack[v] = byDue.lf[v]! - ef[v]!;
      continue;
    }
    slack[v] = dueSlack[v] = Infinity;
    for (let k = children.first[v]!; k < children.first[v + 1]!; k++) {
      const c = children.node[k]!;
      slack[v] = Math.min(slack[v], slack[c]!);
      dueSlack[v] = Math.min(dueSlack[v], dueSlack[c]!);
    }
  }

  // Free slack, summaries before their subtasks (reverse order): slipping a subtask that
  // sets its summary's start or finish moves the summary, and what follows it.
  const freeSlack = new Float64Array(n);
  for (let j = order.length - 1; j >= 0; j--) {
    const i = order[j]!;
    if (i >= n) continue;
    let free = slack[i]!;
    for (let e = outgoing.first[i]!; e < outgoing.first[i + 1]!; e++) {
      const l = outgoing.link[e]!;
      if (l < 0) continue;
      const type = linkType[l]!;
      const lag = linkLag[l]!;
      const other = outgoing.node[e]!;
      if (other < n) free = Math.min(free, es[other]! - startVia(type, lag, es[i]!, ef[i]!, duration[other]!));
      else free = Math.min(free, (tiesFinish(type) ? minEf[other - n]! : es[other - n]!) - startVia(type, lag, es[i]!, ef[i]!, 0));
    }
    for (const { at, link } of net.fixedAfter.get(i) ?? NONE) {
      free = Math.min(free, at.start - startVia(linkType[link]!, linkLag[link]!, es[i]!, ef[i]!, at.finish - at.start));
    }
    const up = parent[i]!;
    if (up >= 0 && (es[i] === es[up] || ef[i] === ef[up])) free = Math.min(free, freeSlack[up]!);
    freeSlack[i] = Math.max(0, free);
  }

  const driverOf = (i: number): Driver => {
    if (summary[i]) return { kind: "subtasks", firstId: activities[firstChild[i]!]!.id, lastId: activities[lastChild[i]!]!.id };
    const why = reasons.why[i]!;
    switch (why) {
      case Why.DirectLink:
      case Why.SummaryLink: {
        const { predecessorId, type, lag } = links[reasons.link[i]!]!;
        const via = why === Why.SummaryLink ? { viaParentId: activities[reasons.summary[i]!]!.id } : {};
        return { kind: "dependency", predecessorId, type, lag, ...via };
      }
      case Why.SummaryStartDate:
        return { kind: "parentStartDate", parentId: activities[reasons.summary[i]!]!.id };
      case Why.OwnDate:
        return { kind: activities[i]!.notBefore!.reason };
      default:
        return { kind: "projectStart" };
    }
  };

  const pushed = new Uint8Array(n);
  const lateness = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = activities[i]!;
    if (a.notBefore !== null && (summary[i] ? gateStart[i]! : es[i]!) > a.notBefore.point) pushed[i] = 1;
    if (a.deadline !== undefined && a.deadline !== null && ef[i]! > a.deadline) lateness[i] = 1;
  }
  return { finish, es, ef, ls: late.ls, lf: late.lf, duration, summary, slack, freeSlack, dueSlack, pushed, late: lateness, driver: driverOf, ignoredLinks: net.ignored };
}

/**
 * Late start and finish of every activity under an overall bound (the project
 * finish, or none) and each one's own latest finish (its deadline, or none).
 * A summary's span passes its bounds down to its subtasks: a finish bound to all
 * of them, a start bound (from SS and SF links) to those that set its start. A
 * link into a summary binds the starts (or finishes) of all its subtasks.
 */
function backwardPass(net: Network, es: Float64Array, duration: Float64Array, bound: number, ownLatestFinish: Float64Array | null): { ls: Float64Array; lf: Float64Array } {
  const { n, order, summary, children, parent, outgoing, linkType, linkLag } = net;
  const ls = new Float64Array(n);
  const lf = new Float64Array(n);
  // A span's bounds for its subtasks; the latest finish of a summary's tightest subtask.
  const spanFinishBound = new Float64Array(n);
  const spanStartBound = new Float64Array(n);
  const minLateFinish = new Float64Array(n);

  for (let j = order.length - 1; j >= 0; j--) {
    const v = order[j]!;
    if (v >= n) {
      const s = v - n;
      let earliestStart = Infinity;
      let latestFinish = -Infinity;
      let earliestFinish = Infinity;
      for (let k = children.first[s]!; k < children.first[s + 1]!; k++) {
        const c = children.node[k]!;
        earliestStart = Math.min(earliestStart, ls[c]!);
        latestFinish = Math.max(latestFinish, lf[c]!);
        earliestFinish = Math.min(earliestFinish, summary[c] ? minLateFinish[c]! : lf[c]!);
      }
      ls[s] = earliestStart;
      lf[s] = latestFinish;
      minLateFinish[s] = earliestFinish;
      continue;
    }
    const isSummary = summary[v] === 1;
    const d = isSummary ? 0 : duration[v]!;
    let finishBound = ownLatestFinish ? Math.min(bound, ownLatestFinish[v]!) : bound;
    let startBound = Infinity;
    // A summary's span has no fixed length: SS and SF links bound its start, FS and FF its finish.
    for (let e = outgoing.first[v]!; e < outgoing.first[v + 1]!; e++) {
      const l = outgoing.link[e]!;
      if (l < 0) continue; // the span of its own summary, below
      const other = outgoing.node[e]!;
      const type = linkType[l]!;
      const lag = linkLag[l]!;
      const succStart = other < n ? ls[other]! : ls[other - n]!;
      const succFinish = other < n ? lf[other]! : minLateFinish[other - n]!;
      if (isSummary && !finishBinds(type)) startBound = Math.min(startBound, finishVia(type, lag, succStart, succFinish, 0));
      else finishBound = Math.min(finishBound, finishVia(type, lag, succStart, succFinish, d));
    }
    for (const { at, link } of net.fixedAfter.get(v) ?? NONE) {
      const type = linkType[link]!;
      const lag = linkLag[link]!;
      if (isSummary && !finishBinds(type)) startBound = Math.min(startBound, finishVia(type, lag, at.start, at.finish, 0));
      else finishBound = Math.min(finishBound, finishVia(type, lag, at.start, at.finish, d));
    }
    const up = parent[v]!;
    if (up >= 0) {
      finishBound = Math.min(finishBound, spanFinishBound[up]!);
      if (es[v] === es[up]) startBound = Math.min(startBound, spanStartBound[up]!);
    }
    if (isSummary) {
      spanFinishBound[v] = finishBound;
      spanStartBound[v] = startBound;
    } else {
      lf[v] = Math.min(finishBound, startBound + d);
      ls[v] = lf[v] - d;
    }
  }
  return { ls, lf };
}
