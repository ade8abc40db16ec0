/**
 * A shortest path from `from` to `to` along directed edges, both ends included,
 * or undefined when `to` cannot be reached. Breadth-first: O(V + E), no recursion,
 * so chains of any length are fine.
 */
export function pathBetween(edges: Iterable<readonly [from: string, to: string]>, from: string, to: string): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) {
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  }
  const cameFrom = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    if (node === to) {
      const path: string[] = [];
      for (let at: string | null = node; at !== null; at = cameFrom.get(at)!) path.push(at);
      return path.reverse();
    }
    for (const n of next.get(node) ?? []) {
      if (!cameFrom.has(n)) {
        cameFrom.set(n, node);
        queue.push(n);
      }
    }
  }
  return undefined;
}

/**
 * The loop a new edge predecessor -> successor would close, as task ids in
 * dependency order starting and ending with the predecessor; undefined if none.
 */
export function cycleClosedBy(edges: Iterable<readonly [string, string]>, predecessorId: string, successorId: string): string[] | undefined {
  if (predecessorId === successorId) return [predecessorId, predecessorId];
  const back = pathBetween(edges, successorId, predecessorId);
  return back ? [predecessorId, ...back] : undefined;
}

// The schedule treats a summary task (one with subtasks) as two points: its gate,
// which its links and start date pass on to every subtask, and its span, which
// follows the last of them (schedule/cpm.ts). A loop through that structure is a
// loop too: "B after the whole of S" while a subtask of S comes after B.
const GATE = "\u0000gate";
const SPAN = "\u0000span";

function summaryNetwork(links: Iterable<readonly [string, string]>, parents: ReadonlyMap<string, string>) {
  const summaries = new Set(parents.values());
  const entry = (id: string) => (summaries.has(id) ? id + GATE : id);
  const exit = (id: string) => (summaries.has(id) ? id + SPAN : id);
  const edges: [string, string][] = [];
  for (const [child, parent] of parents) edges.push([parent + GATE, entry(child)], [exit(child), parent + SPAN]);
  for (const [a, b] of links) edges.push([exit(a), entry(b)]);
  return { edges, entry, exit };
}

/** Task ids along a path of the summary network, each once where the path passes through a summary. */
function tasksAlong(path: string[]): string[] {
  const ids = path.map((node) => node.replace(GATE, "").replace(SPAN, ""));
  return ids.filter((id, i) => i === 0 || id !== ids[i - 1]);
}

/**
 * The loop a new link predecessor -> successor would close, counting summary tasks
 * (`parents`: subtask -> its summary), as task ids starting and ending with the
 * predecessor; undefined if none. Linking a task to its own summary is such a loop.
 */
export function loopClosedBy(links: Iterable<readonly [string, string]>, parents: ReadonlyMap<string, string>, predecessorId: string, successorId: string): string[] | undefined {
  if (predecessorId === successorId) return [predecessorId, predecessorId];
  const net = summaryNetwork(links, parents);
  const back = pathBetween(net.edges, net.entry(successorId), net.exit(predecessorId));
  return back ? [predecessorId, ...tasksAlong(back)] : undefined;
}

/**
 * The loop that making `parentId` the summary of `taskId` would close with the
 * links (`parents` already holds the change), as task ids starting and ending with
 * the summary; undefined if none.
 */
export function loopClosedByParent(links: Iterable<readonly [string, string]>, parents: ReadonlyMap<string, string>, taskId: string, parentId: string): string[] | undefined {
  const net = summaryNetwork(links, parents);
  // The new edges are gate(parent) -> the task and the task -> span(parent): a loop comes back over one of them.
  const down = pathBetween(net.edges, net.entry(taskId), parentId + GATE);
  if (down) return [parentId, ...tasksAlong(down)];
  const up = pathBetween(net.edges, parentId + SPAN, net.exit(taskId));
  return up ? [...tasksAlong(up), parentId] : undefined;
}
