import { DomainError } from "../../platform/errors.js";
import { statusOf, transitionFor, type Workflow } from "../projects/workflow.js";

export function assertDateOrder(startDate: string | null, dueDate: string | null): void {
  if (startDate !== null && dueDate !== null && dueDate < startDate) {
    throw new DomainError("unprocessable", `dueDate ${dueDate} is before startDate ${startDate}`, {
      errors: [{ path: "body.dueDate", message: "must be on or after startDate" }],
    });
  }
}

/** Trimmed, without duplicates, in the order given. */
export const cleanLabels = (labels: string[]): string[] => [...new Set(labels.map((l) => l.trim()).filter((l) => l.length > 0))];

export const isDoneStatus = (w: Workflow, key: string): boolean => statusOf(w, key)?.category === "done";

export const doneStatuses = (w: Workflow): string[] => w.statuses.filter((s) => s.category === "done").map((s) => s.key);

/**
 * Checks a status change against the workflow and returns the approval flow that
 * guards it, if any: the caller then requests an approval instead of moving.
 */
export function assertTransition(w: Workflow, from: string, to: string, pendingApprovalId: string | null): { approvalFlowKey?: string } {
  const t = transitionFor(w, from, to);
  if (pendingApprovalId !== null) {
    throw new DomainError("approval_pending", "An approval for this task is still pending; its status changes when it ends");
  }
  return t;
}

/** The status a new task starts in; any other status must be reachable from the first one. */
export function initialStatus(w: Workflow, requested: string | undefined): string {
  const first = w.statuses[0]!.key;
  if (requested === undefined || requested === first) return first;
  if (!statusOf(w, requested)) {
    throw new DomainError("unknown_status", `Status "${requested}" is not in this project's workflow`, {
      errors: [{ path: "body.status", message: "is not a status of this project's workflow" }],
    });
  }
  // A new task enters the first status and moves on: it may not skip a guarded transition.
  if (assertTransition(w, first, requested, null).approvalFlowKey !== undefined) {
    throw new DomainError("approval_required", `A new task cannot start in "${requested}": moving there needs an approval`, {
      errors: [{ path: "body.status", message: "is guarded by an approval flow; create the task, then request the move" }],
    });
  }
  return requested;
}
