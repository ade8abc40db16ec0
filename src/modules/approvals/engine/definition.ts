import type { OrgRole } from "../../orgs/policy.js";

// The shape of a flow definition (API.md, Approvals) and the graph walks over it.

export type Mode = "sequential" | "all" | "any" | "threshold";
export interface Threshold {
  count?: number;
  percent?: number;
}

export type ApproverRule =
  | { type: "user"; userId: string }
  | { type: "role"; role: OrgRole }
  | { type: "manager"; level?: number }
  | { type: "department_head" }
  | { type: "project_manager" }
  | { type: "initiator_pick" }
  | { type: "form_field"; field: string };

export type TimeoutAction = "remind" | "auto_approve" | "auto_reject" | "escalate";

export interface ApprovalNode {
  id: string;
  type: "approval";
  name?: string;
  mode: Mode;
  threshold?: Threshold;
  approvers: ApproverRule[];
  timeout?: { hours: number; action: TimeoutAction };
  next?: string;
}

export interface CcNode {
  id: string;
  type: "cc";
  name?: string;
  approvers: ApproverRule[];
  next?: string;
}

export type ConditionOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "in" | "contains";
export type ConditionValue = string | number | boolean | null | (string | number | boolean)[];
export interface Condition {
  field: string;
  op: ConditionOp;
  value: ConditionValue;
}

export interface BranchNode {
  id: string;
  type: "branch";
  name?: string;
  branches: { when: Condition; next: string }[];
  default: string;
}

export type FlowNode = ApprovalNode | CcNode | BranchNode;

export interface FlowSettings {
  dedupe: "none" | "consecutive" | "once";
  selfApproval: "self" | "auto_pass" | "manager";
  emptyApprovers: "auto_pass" | "auto_reject" | "admin";
  onReject: "terminate" | "return_to_initiator";
}

export interface FlowDefinition {
  settings: FlowSettings;
  nodes: FlowNode[];
}

/** The target meaning "the flow ends here"; reserved, so no node may use it as an id. */
export const END = "end";

export const DEFAULT_SETTINGS: FlowSettings = { dedupe: "none", selfApproval: "self", emptyApprovers: "admin", onReject: "terminate" };

export function nodeById(def: FlowDefinition, id: string): FlowNode | undefined {
  return def.nodes.find((n) => n.id === id);
}

/** Where a non-branch node leads: its `next`, else the following node, else the end. */
export function successorOf(def: FlowDefinition, nodeId: string): string {
  const i = def.nodes.findIndex((n) => n.id === nodeId);
  const node = def.nodes[i];
  if (node && node.type !== "branch" && node.next !== undefined) return node.next;
  return def.nodes[i + 1]?.id ?? END;
}

/** Every edge out of a node, for validation and cycle detection. */
export function edgesOf(def: FlowDefinition, node: FlowNode): { target: string; path: string }[] {
  if (node.type === "branch") {
    const out = node.branches.map((b, i) => ({ target: b.next, path: `branches.${i}.next` }));
    // A missing default is reported by validation; a saved definition always has one.
    return node.default ? [...out, { target: node.default, path: "default" }] : out;
  }
  return [{ target: successorOf(def, node.id), path: "next" }];
}

export const firstNodeId = (def: FlowDefinition): string => def.nodes[0]?.id ?? END;
