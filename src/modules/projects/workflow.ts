import { DomainError, type FieldError } from "../../platform/errors.js";

export type StatusCategory = "todo" | "in_progress" | "done";

export interface Workflow {
  statuses: { key: string; name: string; category: StatusCategory }[];
  transitions: { from: string; to: string; approvalFlowKey?: string }[];
}

export const DEFAULT_WORKFLOW: Workflow = {
  statuses: [
    { key: "todo", name: "To do", category: "todo" },
    { key: "in_progress", name: "In progress", category: "in_progress" },
    { key: "in_review", name: "In review", category: "in_progress" },
    { key: "done", name: "Done", category: "done" },
  ],
  transitions: [],
};

/** Checks a workflow's internal consistency; every problem is reported with its path. */
export function validateWorkflow(w: Workflow): void {
  const errors: FieldError[] = [];
  const keys = new Set<string>();
  w.statuses.forEach((s, i) => {
    if (keys.has(s.key)) errors.push({ path: `body.statuses.${i}.key`, message: `duplicate status key "${s.key}"` });
    keys.add(s.key);
  });
  const pairs = new Set<string>();
  w.transitions.forEach((t, i) => {
    if (!keys.has(t.from)) errors.push({ path: `body.transitions.${i}.from`, message: `unknown status "${t.from}"` });
    if (!keys.has(t.to)) errors.push({ path: `body.transitions.${i}.to`, message: `unknown status "${t.to}"` });
    if (t.from === t.to) errors.push({ path: `body.transitions.${i}`, message: "a transition must change the status" });
    const pair = `${t.from}->${t.to}`;
    if (pairs.has(pair)) errors.push({ path: `body.transitions.${i}`, message: `duplicate transition ${pair}` });
    pairs.add(pair);
  });
  if (errors.length > 0) throw new DomainError("invalid_workflow", errors.map((e) => e.message).join("; "), { errors });
}

export const statusOf = (w: Workflow, key: string) => w.statuses.find((s) => s.key === key);

/** The transition a status change must follow, or a refusal when the workflow does not allow it. */
export function transitionFor(w: Workflow, from: string, to: string): { approvalFlowKey?: string } {
  if (!statusOf(w, to)) throw new DomainError("unknown_status", `Status "${to}" is not in this project's workflow`);
  if (w.transitions.length === 0) return {};
  const t = w.transitions.find((x) => x.from === from && x.to === to);
  if (!t) throw new DomainError("transition_not_allowed", `The workflow does not allow ${from} -> ${to}`);
  return t.approvalFlowKey ? { approvalFlowKey: t.approvalFlowKey } : {};
}
