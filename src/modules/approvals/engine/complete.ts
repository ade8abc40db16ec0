import type { Mode, Threshold } from "./definition.js";
import { isApproval, type ApprovalTask } from "./state.js";

// Completion rules (APPROVALS.md): pure functions of a node's mode and its tasks.

export interface Tally {
  /** N: approvers of the node (slots), after resolution, dedupe and auto-approval. */
  n: number;
  /** A: approvals, auto-approvals included. */
  a: number;
  /** R: rejections. */
  r: number;
}

/**
 * Counts the node's slots; signers added "before" and escalations are not among the N,
 * and a transferred task's slot is the new task's. Tasks canceled when the node closed
 * still count, so N reads the same after the decision as at it.
 */
export function tally(tasks: readonly ApprovalTask[]): Tally {
  let n = 0;
  let a = 0;
  let r = 0;
  for (const t of tasks) {
    if (!t.counts || t.status === "transferred") continue;
    n++;
    if (isApproval(t)) a++;
    else if (t.status === "rejected") r++;
  }
  return { n, a, r };
}

/**
 * k, the approvals a node needs. A count above N is capped at N so a node never
 * becomes impossible by construction; percent is k = ceil(p x N / 100) in integers.
 */
export function requiredApprovals(mode: Mode, threshold: Threshold | null, n: number): number {
  switch (mode) {
    case "sequential":
    case "all":
      return n;
    case "any":
      return Math.min(1, n);
    case "threshold":
      if (threshold?.count !== undefined) return Math.min(threshold.count, n);
      return Math.floor(((threshold?.percent ?? 100) * n + 99) / 100);
  }
}

export type Outcome = "approved" | "rejected" | "open";

export function nodeOutcome(mode: Mode, threshold: Threshold | null, tasks: readonly ApprovalTask[]): Outcome {
  // An escalated admin decides the node alone, whatever its mode.
  for (const t of tasks) {
    if (t.origin !== "escalate") continue;
    if (t.status === "approved") return "approved";
    if (t.status === "rejected") return "rejected";
  }
  const { n, a, r } = tally(tasks);
  if (n === 0) return "approved";
  if (mode === "any") return a >= 1 ? "approved" : r >= 1 ? "rejected" : "open";
  const k = requiredApprovals(mode, threshold, n);
  if (a >= k) return "approved";
  if (r > n - k) return "rejected";
  return "open";
}

/**
 * In a sequential node the next slot (lowest position still waiting) becomes pending
 * once nobody is pending and no added "before" signer is still deciding.
 */
export function nextSequentialSlot(tasks: readonly ApprovalTask[]): ApprovalTask | undefined {
  // Escalated admins wait beside the sequence; they do not hold it up.
  if (tasks.some((t) => t.status === "pending" && t.origin !== "escalate")) return undefined;
  const blockedHosts = new Set(tasks.filter((t) => t.blocksTaskId && (t.status === "pending" || t.status === "waiting")).map((t) => t.blocksTaskId));
  return tasks
    .filter((t) => t.counts && t.status === "waiting" && !blockedHosts.has(t.id))
    .sort((x, y) => x.position - y.position)[0];
}
