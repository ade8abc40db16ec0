// The network the critical path walks (cpm.ts): activities, a summary's gate and
// span, and the links between them, in compressed adjacency rows and typed arrays
// indexed by node and link number.

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

/** The dependencies among these activities loop; `ids` are the activities left on or behind the loop. */
export class ScheduleCycleError extends Error {
  constructor(readonly ids: string[]) {
    super(`dependency cycle among ${ids.length} tasks`);
  }
}

// The passes read a link's type as a small number from a typed array: reading it
// from the link objects (scattered in memory, types as strings compared by content)
// cost more than all the arithmetic of the passes.
export const FS = 0;
export const SS = 1;
export const FF = 2;
export const SF = 3;

/** FS 0, SS 1, FF 2, SF 3, by its letters (no hashing of a string each link). */
const typeCode = (type: DependencyType): number => (type.charCodeAt(0) === 70 ? (type.charCodeAt(1) === 83 ? FS : FF) : type.charCodeAt(1) === 83 ? SS : SF);

export function startVia(type: number, lag: number, predStart: number, predFinish: number, d: number): number {
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
export function finishVia(type: number, lag: number, succStart: number, succFinish: number, d: number): number {
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
export const tiesFinish = (type: number) => type === FF || type === SF;
/** FS and FF bind the predecessor's finish; SS and SF its start. */
export const finishBinds = (type: number) => type === FS || type === FF;

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
export class Network {
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
