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
