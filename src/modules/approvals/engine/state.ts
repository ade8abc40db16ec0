import type { Mode, Threshold } from "./definition.js";

// The runtime records of one instance, as plain data. The engine changes them in
// memory under the instance lock; instances/repository.ts reads and writes them.

export type InstanceStatus = "running" | "approved" | "rejected" | "returned" | "withdrawn";
export type RunStatus = "pending" | "active" | "approved" | "rejected" | "skipped" | "canceled";
export type TaskStatus = "waiting" | "pending" | "approved" | "rejected" | "transferred" | "canceled" | "auto_approved";
export type TaskOrigin = "resolved" | "admin_fallback" | "transfer" | "reassign" | "add_before" | "add_parallel" | "add_after" | "escalate";

export interface Subject {
  type: "task";
  id: string;
}

export interface InstanceRecord {
  id: string;
  orgId: string;
  flowId: string;
  flowKey: string;
  flowVersion: number;
  title: string;
  initiatorId: string;
  form: Record<string, unknown>;
  subject: Subject | null;
  subjectProjectId: string | null;
  picked: Record<string, string[]>;
  status: InstanceStatus;
  attempt: number;
  revision: number;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface NodeRun {
  id: string;
  instanceId: string;
  attempt: number;
  ordinal: number;
  nodeId: string;
  nodeType: "approval" | "cc" | "branch";
  name: string | null;
  mode: Mode | null;
  threshold: Threshold | null;
  kind: "node" | "added_after";
  hostRunId: string | null;
  /** The definition node whose successor follows this run (itself, or the host node of an added step). */
  continueFrom: string;
  status: RunStatus;
  invalidated: boolean;
  ccUserIds: string[];
  note: Record<string, unknown>;
  activatedAt: string | null;
  decidedAt: string | null;
  lastUrgedAt: string | null;
}

export interface ApprovalTask {
  id: string;
  instanceId: string;
  runId: string;
  attempt: number;
  assigneeId: string;
  onBehalfOf: string | null;
  position: number;
  status: TaskStatus;
  origin: TaskOrigin;
  blocksTaskId: string | null;
  counts: boolean;
  autoReason: string | null;
  comment: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  pendingSince: string | null;
  createdAt: string;
}

export interface TimelineEvent {
  seq: number;
  attempt: number;
  type: string;
  actorId: string | null;
  nodeId: string | null;
  taskId: string | null;
  data: Record<string, unknown>;
  requestId: string | null;
  at: string;
}

export const OPEN_TASK: readonly TaskStatus[] = ["waiting", "pending"];
export const isOpenTask = (t: ApprovalTask): boolean => t.status === "waiting" || t.status === "pending";
export const isApproval = (t: ApprovalTask): boolean => t.status === "approved" || t.status === "auto_approved";
export const isFinished = (s: InstanceStatus): boolean => s === "approved" || s === "rejected" || s === "withdrawn";
