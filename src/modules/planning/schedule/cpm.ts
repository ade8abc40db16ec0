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

export type DependencyType = "FS" | "SS" | "FF" | "SF";

export interface Activity {
  id: string;
  /** Working days; 0 for a milestone. Ignored for a summary (it spans its subtasks). */
  duration: number;
  /** The earliest point the task's own dates allow, and which date that is; null: as soon as the project starts. */
  notBefore: { point: number; reason: "startDate" | "dueDate" | "milestoneDate" } | null;
  /** The summary task it belongs to, when that is in the same network. */
  parentId?: string | null;
  /** The point its due date ends (a deadline): finishing later makes it late. */
  deadline?: number | null;
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

/** The dependencies among these activities loop; `ids` are the activities left on or behind the loop. */
export class ScheduleCycleError extends Error {
  constructor(readonly ids: string[]) {
    super(`dependency cycle among ${ids.length} tasks`);
  }
}

// The passes read a link's type as a small number from a typed array: reading it
// from the link objects (scattered in memory, types as strings compared by content)
// cost more than all the arithmetic of the passes.
const FS = 0;
const SS = 1;
const FF = 2;
const SF = 3;

/** FS 0, SS 1, FF 2, SF 3, by its letters (no hashing of a string each link). */
const typeCode = (type: DependencyType): number => (type.charCodeAt(0) === 70 ? (type.charCodeAt(1) === 83 ? FS : FF) : type.charCodeAt(1) === 83 ? SS : SF);

function startVia(type: number, lag: number, predStart: number, predFinish: number, d: number): number {
  switch (type) {
    case FS:
      return predFinish + lag;
    case SS:
      return predStart + lag;
    case FF:
      return predFinish + lag - d;
    default:
      return predStart + lag - d;
  }
}

/** Latest finish a link allows its predecessor (duration d), from the successor's late start and finish. */
function finishVia(type: number, lag: number, succStart: number, succFinish: number, d: number): number {
  switch (type) {
    case FS:
      return succStart - lag;
    case SS:
      return succStart - lag + d;
    case FF:
      return succFinish - lag;
    default:
      return succFinish - lag + d;
  }
}

/** Earliest start a link allows its successor (duration d), from the predecessor's start and finish. */
export const earliestStartVia = (type: DependencyType, lag: number, predStart: number, predFinish: number, d: number): number =>
  startVia(typeCode(type), lag, predStart, predFinish, d);

/** FF and SF tie the successor's finish; FS and SS its start. */
const tiesFinish = (type: number) => type === FF || type === SF;
/** FS and FF bind the predecessor's finish; SS and SF its start. */
const finishBinds = (type: number) => type === FS || type === FF;

// Why a start is where it is, by strength: on equal dates the more specific reason
// explains it better (a direct link, then a link to its summary, then a date).
const Why = { None: -1, ProjectStart: 0, OwnDate: 1, SummaryStartDate: 2, SummaryLink: 3, DirectLink: 4 } as const;
const strength = (w: number): number => (w === Why.DirectLink ? 3 : w === Why.SummaryLink ? 2 : w === Why.ProjectStart ? 0 : 1);

/** Adjacency in compressed rows: the edges of node v are first[v] .. first[v + 1] - 1. */
interface Adjacency {
  first: Int32Array;
  node: Int32Array;
  /** Index into the links; -1 for an edge of the summary structure (gate to subtask, subtask to span). */
  link: Int32Array;
}

function adjacency(nodes: number, from: Int32Array, to: Int32Array, link: Int32Array, count: number): Adjacency {
  const first = new Int32Array(nodes + 1);
  for (let e = 0; e < count; e++) first[from[e]! + 1]!++;
  for (let v = 0; v < nodes; v++) first[v + 1]! += first[v]!;
  const fill = first.slice(0, nodes);
  const node = new Int32Array(count);
  const links = new Int32Array(count);
  for (let e = 0; e < count; e++) {
    const at = fill[from[e]!]!++;
    node[at] = to[e]!;
    links[at] = link[e]!;
  }
  return { first, node, link: links };
}

/**
 * The network: node i < n is activity i (for a summary, its span), node n + i a
 * summary's gate. Links into a summary arrive at its gate; the gate leads to each
 * subtask, and each subtask to its summary's span.
 */
class Network {
  readonly n: number;
  readonly parent: Int32Array;
  readonly summary: Uint8Array;
  readonly children: Adjacency;
  readonly outgoing: Adjacency;
  readonly incoming: Adjacency;
  /** Links from (to) tasks of other projects, by the node they reach (leave). */
  readonly fixedBefore = new Map<number, { at: FixedActivity; link: number }[]>();
  readonly fixedAfter = new Map<number, { at: FixedActivity; link: number }[]>();
  readonly ignored: Link[] = [];
  readonly order: Int32Array;
  /** Each link's type (FS 0, SS 1, FF 2, SF 3) and lag, by link index. */
  readonly linkType: Uint8Array;
  readonly linkLag: Float64Array;

  constructor(activities: readonly Activity[], fixed: readonly FixedActivity[], links: readonly Link[], known?: ReadonlyMap<string, number>) {
    const n = (this.n = activities.length);
    const index = known ?? new Map(activities.map((a, i) => [a.id, i]));
    this.parent = new Int32Array(n).fill(-1);
    this.summary = new Uint8Array(n);
    const kids = { from: new Int32Array(n), to: new Int32Array(n), count: 0 };
    for (let i = 0; i < n; i++) {
      const parentId = activities[i]!.parentId;
      const p = parentId == null ? undefined : index.get(parentId);
      if (p === undefined || p === i) continue;
      this.parent[i] = p;
      this.summary[p] = 1;
      kids.from[kids.count] = p;
      kids.to[kids.count++] = i;
    }
    this.children = adjacency(n, kids.from, kids.to, kids.to, kids.count);
    const [enter, leave] = this.eulerTour();
    const related = (a: number, b: number) => (enter[a]! <= enter[b]! && leave[b]! <= leave[a]!) || (enter[b]! <= enter[a]! && leave[a]! <= leave[b]!);

    const capacity = links.length + 2 * kids.count;
    const from = new Int32Array(capacity);
    const to = new Int32Array(capacity);
    const via = new Int32Array(capacity);
    let count = 0;
    const edge = (a: number, b: number, link: number) => {
      from[count] = a;
      to[count] = b;
      via[count++] = link;
    };
    const fixedById = new Map(fixed.map((f) => [f.id, f]));
    const remember = (map: Map<number, { at: FixedActivity; link: number }[]>, v: number, at: FixedActivity, link: number) => {
      const list = map.get(v);
      if (list) list.push({ at, link });
      else map.set(v, [{ at, link }]);
    };
    this.linkType = new Uint8Array(links.length);
    this.linkLag = new Float64Array(links.length);
    for (let l = 0; l < links.length; l++) {
      const link = links[l]!;
      this.linkType[l] = typeCode(link.type);
      this.linkLag[l] = link.lag;
      const p = index.get(link.predecessorId);
      const s = index.get(link.successorId);
      if (p !== undefined && s !== undefined) {
        if (related(p, s)) this.ignored.push(link);
        else edge(p, this.entry(s), l);
      } else if (s !== undefined) {
        const at = fixedById.get(link.predecessorId);
        if (at) remember(this.fixedBefore, this.entry(s), at, l);
      } else if (p !== undefined) {
        const at = fixedById.get(link.successorId);
        if (at) remember(this.fixedAfter, p, at, l);
      }
    }
    for (let k = 0; k < kids.count; k++) {
      const p = kids.from[k]!;
      const c = kids.to[k]!;
      edge(n + p, this.entry(c), -1);
      edge(c, p, -1);
    }
    this.outgoing = adjacency(2 * n, from, to, via, count);
    this.incoming = adjacency(2 * n, to, from, via, count);
    this.order = this.topologicalOrder();
    let nodes = n;
    for (let i = 0; i < n; i++) nodes += this.summary[i]!;
    if (this.order.length < nodes) {
      const placed = new Uint8Array(2 * n);
      for (const v of this.order) placed[v] = 1;
      throw new ScheduleCycleError(activities.filter((_, i) => !placed[i] || (this.summary[i] && !placed[n + i])).map((a) => a.id));
    }
  }

  /** Where links into a task arrive: the task itself, or a summary's gate. */
  entry(i: number): number {
    return this.summary[i] ? this.n + i : i;
  }

  /** Enter and leave times of a depth-first walk of the summary trees: a is an ancestor of b iff its interval holds b's. */
  private eulerTour(): [Int32Array, Int32Array] {
    const { first, node } = this.children;
    const enter = new Int32Array(this.n).fill(-1);
    const leave = new Int32Array(this.n);
    const stack = new Int32Array(this.n);
    const next = new Int32Array(this.n);
    let clock = 0;
    const visit = (root: number) => {
      let top = 0;
      stack[0] = root;
      next[root] = first[root]!;
      enter[root] = clock++;
      while (top >= 0) {
        const v = stack[top]!;
        if (next[v]! < first[v + 1]!) {
          const c = node[next[v]!++]!;
          if (enter[c]! >= 0) continue; // damaged data: a loop of parents
          enter[c] = clock++;
          next[c] = first[c]!;
          stack[++top] = c;
        } else {
          leave[v] = clock++;
          top--;
        }
      }
    };
    for (let i = 0; i < this.n; i++) if (this.parent[i]! < 0) visit(i);
    // Tasks on a loop of parents have no root; the topological sort reports them.
    for (let i = 0; i < this.n; i++) if (enter[i]! < 0) visit(i);
    return [enter, leave];
  }

  /** Kahn's algorithm over the activities and the summaries' gates; ties keep the input order, so equal inputs give equal outputs. */
  private topologicalOrder(): Int32Array {
    const { n } = this;
    const { first, node } = this.outgoing;
    const remaining = new Int32Array(2 * n);
    for (let v = 0; v < 2 * n; v++) remaining[v] = this.incoming.first[v + 1]! - this.incoming.first[v]!;
    const order = new Int32Array(2 * n);
    let size = 0;
    for (let v = 0; v < 2 * n; v++) if (remaining[v] === 0 && (v < n || this.summary[v - n])) order[size++] = v;
    for (let head = 0; head < size; head++) {
      const v = order[head]!;
      for (let e = first[v]!; e < first[v + 1]!; e++) if (--remaining[node[e]!]! === 0) order[size++] = node[e]!;
    }
    return order.subarray(0, size);
  }
}

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
