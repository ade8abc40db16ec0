// Automatic assignment (资源调配): who gets a new unassigned task. Pure choice
// over the eligible members; the service gathers their skills and workload.

export type AssignmentStrategy = "off" | "least_loaded" | "round_robin";

export interface Candidate {
  userId: string;
  name: string;
  skills: readonly string[];
  /** Hours already allocated to them in the task's window (all projects). */
  allocatedHours: number;
  /** Their capacity in that window. */
  capacityHours: number;
}

export type AssignmentReason =
  | { strategy: "least_loaded"; candidates: number; matchedLabels: string[]; allocatedHours: number; capacityHours: number; load: number | null }
  | { strategy: "round_robin"; candidates: number; matchedLabels: string[]; after: string | null };

const norm = (s: string) => s.trim().toLowerCase();
const byName = (a: Candidate, b: Candidate) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
const loadOf = (c: Candidate) => (c.capacityHours > 0 ? c.allocatedHours / c.capacityHours : Number.POSITIVE_INFINITY);

/**
 * Members whose skills match one of the task's labels; everyone when the task
 * has no labels or nobody has a matching skill (the reason says which).
 */
export function bySkills(candidates: readonly Candidate[], labels: readonly string[]): { pool: Candidate[]; matchedLabels: string[] } {
  const wanted = new Set(labels.map(norm));
  if (wanted.size === 0) return { pool: [...candidates], matchedLabels: [] };
  const matched = new Set<string>();
  const pool = candidates.filter((c) => {
    const hits = c.skills.map(norm).filter((s) => wanted.has(s));
    for (const h of hits) matched.add(h);
    return hits.length > 0;
  });
  return pool.length > 0 ? { pool, matchedLabels: [...matched].sort() } : { pool: [...candidates], matchedLabels: [] };
}

export function pickAssignee(
  strategy: Exclude<AssignmentStrategy, "off">,
  candidates: readonly Candidate[],
  labels: readonly string[],
  lastAssigneeId: string | null,
): { userId: string; reason: AssignmentReason } | undefined {
  const { pool, matchedLabels } = bySkills(candidates, labels);
  if (pool.length === 0) return undefined;
  if (strategy === "round_robin") {
    const ring = [...pool].sort(byName);
    const after = ring.findIndex((c) => c.userId === lastAssigneeId);
    const next = ring[(after + 1) % ring.length]!;
    return { userId: next.userId, reason: { strategy, candidates: pool.length, matchedLabels, after: after >= 0 ? lastAssigneeId : null } };
  }
  // Lowest share of capacity already taken; then fewer hours; then by name, so the choice is repeatable.
  const best = [...pool].sort((a, b) => loadOf(a) - loadOf(b) || a.allocatedHours - b.allocatedHours || byName(a, b))[0]!;
  const load = Number.isFinite(loadOf(best)) ? Math.round(loadOf(best) * 1000) / 1000 : null;
  return {
    userId: best.userId,
    reason: { strategy, candidates: pool.length, matchedLabels, allocatedHours: best.allocatedHours, capacityHours: best.capacityHours, load },
  };
}
