import { expect } from "vitest";
import type { TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call, type Res } from "../../../test/http.js";
import { nodeOutcome } from "./engine/complete.js";
import type { Mode, Threshold } from "./engine/definition.js";
import type { ApprovalTask, TaskStatus } from "./engine/state.js";

// Helpers for the approval tests (HTTP only) and the invariants every test checks.

export interface Team {
  orgId: string;
  owner: TestUser;
  members: TestUser[];
}

/** An org with an owner and n members (real invitations). */
export async function team(t: TestApp, n: number): Promise<Team> {
  const { owner, org } = await orgWithOwner(t);
  const members: TestUser[] = [];
  for (let i = 0; i < n; i++) members.push(await addMember(t, org.id, owner, "member", `Member ${i}`));
  return { orgId: org.id, owner, members };
}

let flowSeq = 0;
export const flowKey = (prefix = "flow"): string => `${prefix}-${process.pid}-${++flowSeq}`;

/** Creates a flow and returns its key. */
export async function createFlow(t: TestApp, admin: TestUser, orgId: string, def: Record<string, unknown>): Promise<string> {
  const key = (def.key as string | undefined) ?? flowKey();
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/approval-flows`, { token: admin.token, body: { name: "Flow", ...def, key } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return key;
}

export const approvalNode = (id: string, mode: Mode, userIds: string[], extra: Record<string, unknown> = {}) => ({
  id,
  type: "approval",
  mode,
  approvers: userIds.map((userId) => ({ type: "user", userId })),
  ...extra,
});

export async function start(t: TestApp, user: TestUser, orgId: string, body: Record<string, unknown>): Promise<Res> {
  return call(t, "POST", `/api/v1/orgs/${orgId}/approvals`, { token: user.token, body: { title: "Please approve", ...body } });
}

/** Starts and expects 201. */
export async function started(t: TestApp, user: TestUser, orgId: string, body: Record<string, unknown>): Promise<Instance> {
  const res = await start(t, user, orgId, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const instance = res.body as Instance;
  assertInvariants(instance);
  return instance;
}

export async function act(t: TestApp, user: TestUser, id: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Res> {
  return call(t, "POST", `/api/v1/approvals/${id}/actions`, { token: user.token, body, ...(headers ? { headers } : {}) });
}

/** Acts and expects 200; checks the invariants on the answer. */
export async function acted(t: TestApp, user: TestUser, id: string, body: Record<string, unknown>): Promise<Instance> {
  const res = await act(t, user, id, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const instance = res.body as Instance;
  assertInvariants(instance);
  return instance;
}

export async function read(t: TestApp, user: TestUser, id: string): Promise<Instance> {
  const res = await call(t, "GET", `/api/v1/approvals/${id}`, { token: user.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const instance = res.body as Instance;
  assertInvariants(instance);
  return instance;
}

export interface TaskView {
  id: string;
  assigneeId: string;
  status: TaskStatus;
  onBehalfOf: string | null;
  origin: ApprovalTask["origin"];
  counts: boolean;
  position: number;
  autoReason: string | null;
  comment: string | null;
  decidedAt: string | null;
}
export interface NodeView {
  id: string;
  runId: string;
  type: string;
  mode: Mode | null;
  attempt: number;
  status: string;
  invalidated: boolean;
  reason: string | null;
  required: number | null;
  ccUserIds: string[];
  tasks: TaskView[];
}
export interface Instance {
  id: string;
  status: string;
  attempt: number;
  revision: number;
  flowVersion: number;
  initiatorId: string;
  nodes: NodeView[];
  timeline: { seq: number; type: string; taskId: string | null; nodeId: string | null; actorId: string | null; data: Record<string, unknown>; attempt: number }[];
}

/** The nodes of the current attempt with the given definition id. */
export const nodesOf = (i: Instance, id: string): NodeView[] => i.nodes.filter((n) => n.id === id && n.attempt === i.attempt);
export const lastNode = (i: Instance, id: string): NodeView => {
  const all = nodesOf(i, id);
  expect(all.length, `node ${id} was never activated`).toBeGreaterThan(0);
  return all[all.length - 1]!;
};
export const pendingTaskOf = (i: Instance, userId: string): string | undefined =>
  i.nodes.flatMap((n) => n.tasks).find((x) => x.assigneeId === userId && x.status === "pending")?.id;
export const eventsOf = (i: Instance, type: string) => i.timeline.filter((e) => e.type === type);

const toTask = (runId: string, t: TaskView): ApprovalTask => ({
  ...t,
  instanceId: "",
  runId,
  attempt: 0,
  blocksTaskId: null,
  decidedBy: null,
  pendingSince: null,
  createdAt: "",
});

/**
 * The invariants: seq gap-free from 1; instance status agrees with node statuses;
 * no open task in a finished instance; decided nodes agree with their tasks under
 * the completion rules; every approval/rejection has exactly one timeline event.
 */
export function assertInvariants(i: Instance): void {
  const ctx = `instance ${i.id} (${i.status})`;
  i.timeline.forEach((e, idx) => expect(e.seq, `${ctx}: timeline seq`).toBe(idx + 1));
  const current = i.nodes.filter((n) => n.attempt === i.attempt);
  const active = current.filter((n) => n.status === "active");
  const open = i.nodes.flatMap((n) => n.tasks).filter((t) => t.status === "pending" || t.status === "waiting");
  if (i.status === "running") {
    expect(active.length, `${ctx}: exactly one active node`).toBe(1);
    for (const n of i.nodes) if (n.status !== "active" && n.status !== "pending") expect(n.tasks.filter((t) => t.status === "pending" || t.status === "waiting"), `${ctx}: open task in closed node ${n.id}`).toEqual([]);
  } else {
    expect(active, `${ctx}: no active node`).toEqual([]);
    expect(current.filter((n) => n.status === "pending"), `${ctx}: no waiting step`).toEqual([]);
    expect(open, `${ctx}: no open task`).toEqual([]);
  }
  if (i.status === "approved") {
    expect(current.every((n) => n.invalidated || ["approved", "skipped"].includes(n.status)), `${ctx}: every node of the attempt passed`).toBe(true);
  }
  if (i.status === "rejected") expect(current.some((n) => n.status === "rejected"), `${ctx}: a node rejected`).toBe(true);
  for (const n of i.nodes) {
    if (n.type !== "approval" || !n.mode) continue;
    const tasks = n.tasks.map((t) => toTask(n.runId, t));
    const outcome = nodeOutcome(n.mode, n.mode === "threshold" ? thresholdFrom(n) : null, tasks);
    if (n.status === "approved" && n.tasks.length > 0) expect(outcome, `${ctx}: node ${n.id} approved by its tasks`).toBe("approved");
    if (n.status === "rejected" && n.reason !== "timeout" && n.tasks.length > 0) expect(outcome, `${ctx}: node ${n.id} rejected by its tasks`).toBe("rejected");
    if (n.status === "active") expect(outcome, `${ctx}: active node ${n.id} still open`).toBe("open");
    if (n.mode === "sequential" && n.status === "active") {
      expect(n.tasks.filter((t) => t.status === "pending" && t.counts).length, `${ctx}: one pending in sequence`).toBeLessThanOrEqual(1);
    }
  }
  const all = i.nodes.flatMap((n) => n.tasks);
  for (const [status, type] of [["approved", "task.approved"], ["rejected", "task.rejected"], ["auto_approved", "task.auto_approved"]] as const) {
    const decided = all.filter((t) => t.status === status).map((t) => t.id).sort();
    const events = i.timeline.filter((e) => e.type === type).map((e) => e.taskId).sort();
    expect(events, `${ctx}: one ${type} event per ${status} task`).toEqual(decided);
  }
}

/** Threshold nodes carry k in `required`; rebuild a count threshold that gives the same k. */
const thresholdFrom = (n: NodeView): Threshold => ({ count: n.required ?? 1 });
