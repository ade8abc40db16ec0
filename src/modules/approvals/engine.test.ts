import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../platform/errors.js";
import * as actions from "./engine/actions.js";
import { runFrom } from "./engine/advance.js";
import { chooseBranch } from "./engine/branch.js";
import { nextSequentialSlot, nodeOutcome, requiredApprovals } from "./engine/complete.js";
import { DEFAULT_SETTINGS, type FlowDefinition, type FlowNode, type FlowSettings } from "./engine/definition.js";
import { managerAt, planSlots, type Directory } from "./engine/resolve.js";
import { InstanceSession } from "./engine/session.js";
import type { ApprovalTask, InstanceRecord, TaskStatus } from "./engine/state.js";
import { validateDefinition } from "./engine/validate.js";

// The engine's pure parts, directly: no database, an in-memory org directory.

const task = (status: TaskStatus, extra: Partial<ApprovalTask> = {}): ApprovalTask => ({
  id: randomUUID(),
  instanceId: "i",
  runId: "r",
  attempt: 1,
  assigneeId: randomUUID(),
  onBehalfOf: null,
  position: 0,
  status,
  origin: "resolved",
  blocksTaskId: null,
  counts: true,
  autoReason: null,
  comment: null,
  decidedBy: null,
  decidedAt: null,
  pendingSince: null,
  createdAt: "",
  ...extra,
});

interface Org {
  managers?: Record<string, string>;
  roles?: Record<string, string[]>;
  delegates?: Record<string, string>;
  /** Everyone is a member except these. */
  outsiders?: string[];
}

function directory(org: Org): Directory {
  return {
    isMember: async (u) => !(org.outsiders ?? []).includes(u),
    managerOf: async (u) => org.managers?.[u] ?? null,
    departmentHeadFor: async () => null,
    membersWithRole: async (role) => org.roles?.[role] ?? [],
    admins: async () => [...(org.roles?.owner ?? []), ...(org.roles?.admin ?? [])],
    projectManagers: async () => [],
    delegatesOf: async (ids) => new Map(ids.filter((u) => org.delegates?.[u]).map((u) => [u, org.delegates![u]!])),
  };
}

function session(nodes: FlowNode[], settings: Partial<FlowSettings>, org: Org, initiatorId = "initiator", form: Record<string, unknown> = {}) {
  const def: FlowDefinition = { settings: { ...DEFAULT_SETTINGS, ...settings }, nodes };
  const now = "2026-06-11T08:00:00.000Z";
  const instance: InstanceRecord = {
    id: "instance",
    orgId: "org",
    flowId: "flow",
    flowKey: "k",
    flowVersion: 1,
    title: "t",
    initiatorId,
    form,
    subject: null,
    subjectProjectId: null,
    picked: {},
    status: "running",
    attempt: 1,
    revision: 0,
    lastSeq: 0,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  return new InstanceSession(instance, [], [], def, { now, actorId: initiatorId, requestId: "req", dir: directory(org), newId: randomUUID });
}

const users = (...ids: string[]) => ids.map((userId) => ({ type: "user" as const, userId }));
const node = (id: string, mode: "sequential" | "all" | "any", ids: string[], extra: object = {}): FlowNode => ({ id, type: "approval", mode, approvers: users(...ids), ...extra });
const acting = (userId: string) => ({ userId, orgRole: "member" as const });

describe("completion rules", () => {
  it("rounds percent thresholds up in integers and caps counts at N", () => {
    expect([1, 2, 3, 4, 5].map((n) => requiredApprovals("threshold", { percent: 60 }, n))).toEqual([1, 2, 2, 3, 3]);
    expect(requiredApprovals("threshold", { percent: 100 }, 7)).toBe(7);
    expect(requiredApprovals("threshold", { percent: 1 }, 7)).toBe(1);
    expect(requiredApprovals("threshold", { count: 5 }, 3)).toBe(3);
    expect(requiredApprovals("any", null, 4)).toBe(1);
  });

  it("decides each mode by A, R and N", () => {
    const A = (n: number) => Array.from({ length: n }, () => task("approved"));
    const R = (n: number) => Array.from({ length: n }, () => task("rejected"));
    const P = (n: number) => Array.from({ length: n }, () => task("pending"));
    expect(nodeOutcome("all", null, [...A(2), ...P(1)])).toBe("open");
    expect(nodeOutcome("all", null, A(3))).toBe("approved");
    expect(nodeOutcome("all", null, [...A(2), ...R(1)])).toBe("rejected");
    expect(nodeOutcome("any", null, [...A(1), ...P(2)])).toBe("approved");
    expect(nodeOutcome("any", null, [...R(1), ...P(2)])).toBe("rejected");
    expect(nodeOutcome("threshold", { percent: 60 }, [...A(2), ...R(2), ...P(1)])).toBe("open");
    expect(nodeOutcome("threshold", { percent: 60 }, [...A(3), ...R(2)])).toBe("approved");
    expect(nodeOutcome("threshold", { percent: 60 }, [...R(3), ...P(2)])).toBe("rejected");
    // Auto-approvals count as approvals; transferred slots do not count; before-signers are outside N.
    expect(nodeOutcome("all", null, [task("auto_approved"), task("approved"), task("transferred")])).toBe("approved");
    expect(nodeOutcome("all", null, [task("approved"), task("pending", { counts: false })])).toBe("approved");
    // An escalated admin decides alone.
    expect(nodeOutcome("all", null, [task("pending"), task("approved", { origin: "escalate", counts: false })])).toBe("approved");
  });

  it("opens sequential slots in position order, skipping auto-approved ones", () => {
    const tasks = [task("auto_approved", { position: 0 }), task("waiting", { position: 2 }), task("waiting", { position: 1 })];
    expect(nextSequentialSlot(tasks)?.position).toBe(1);
    expect(nextSequentialSlot([task("pending"), task("waiting")])).toBeUndefined();
  });
});

describe("branch conditions", () => {
  it("takes the first match, else the default", () => {
    const b = { id: "b", type: "branch" as const, branches: [{ when: { field: "n", op: "gt" as const, value: 10 }, next: "x" }, { when: { field: "n", op: "gt" as const, value: 5 }, next: "y" }], default: "z" };
    expect(chooseBranch(b, { n: 20 })).toEqual({ next: "x", matched: 0 });
    expect(chooseBranch(b, { n: 7 })).toEqual({ next: "y", matched: 1 });
    expect(chooseBranch(b, { n: 1 })).toEqual({ next: "z", matched: null });
    expect(chooseBranch(b, {})).toEqual({ next: "z", matched: null });
  });
});

describe("validation", () => {
  it("reports each problem at the node it concerns", () => {
    const errors = validateDefinition({
      settings: DEFAULT_SETTINGS,
      nodes: [node("a", "any", ["u"], { next: "b" }), { id: "b", type: "branch", branches: [{ when: { field: "f", op: "in", value: "x" }, next: "a" }], default: "end" }],
    });
    expect(errors.map((e) => e.path)).toEqual(["body.nodes.b.branches.0.when.value"]);
    const cyclic = validateDefinition({ settings: DEFAULT_SETTINGS, nodes: [node("a", "any", ["u"], { next: "b" }), { id: "b", type: "branch", branches: [{ when: { field: "f", op: "eq", value: 1 }, next: "a" }], default: "end" }] });
    expect(cyclic.map((e) => e.message)).toEqual([expect.stringContaining("loops")]);
  });
});

describe("approver resolution", () => {
  it("walks the manager chain, stops at the top and never loops", async () => {
    const dir = directory({ managers: { a: "b", b: "c", x: "y", y: "x" } });
    expect(await managerAt(dir, "a", 1)).toBe("b");
    expect(await managerAt(dir, "a", 2)).toBe("c");
    expect(await managerAt(dir, "a", 9)).toBe("c");
    expect(await managerAt(dir, "c", 1)).toBeNull();
    expect(await managerAt(dir, "x", 50)).toBe("y");
  });

  it("applies selfApproval, dedupe and one-hop delegation", async () => {
    const ctx = { initiatorId: "me", previousApprovers: new Set(["p"]), attemptApprovers: new Set(["p", "q"]), now: "" };
    const dir = directory({ managers: { me: "boss" }, delegates: { a: "d", d: "e", b: "c" } });
    const plan = (ids: string[], s: Partial<FlowSettings>) => planSlots(ids, { ...DEFAULT_SETTINGS, ...s }, ctx, dir);
    expect((await plan(["me", "a"], { selfApproval: "auto_pass" })).map((x) => [x.assigneeId, x.auto])).toEqual([["me", "self_approval"], ["d", null]]);
    expect((await plan(["me", "boss"], { selfApproval: "manager" })).map((x) => x.assigneeId)).toEqual(["boss"]);
    expect((await plan(["p", "q"], { dedupe: "consecutive" })).map((x) => x.auto)).toEqual(["dedupe_consecutive", null]);
    expect((await plan(["p", "q"], { dedupe: "once" })).map((x) => x.auto)).toEqual(["dedupe_once", "dedupe_once"]);
    // a -> d (not on to e); b's delegate c already holds a slot, so b keeps the task.
    expect((await plan(["a", "b", "c"], {})).map((x) => [x.assigneeId, x.onBehalfOf])).toEqual([["d", "a"], ["b", null], ["c", null]]);
  });
});

describe("advancing an instance in memory", () => {
  it("cascades auto-approvals through consecutive nodes in one step", async () => {
    const s = session([node("n1", "any", ["a"]), node("n2", "any", ["a"]), node("n3", "all", ["a", "b"])], { dedupe: "consecutive" }, {});
    await runFrom(s, "n1");
    await actions.approve(s, acting("a"), {});
    expect(s.runs.map((r) => [r.nodeId, r.status])).toEqual([["n1", "approved"], ["n2", "approved"], ["n3", "active"]]);
    expect(s.tasksOf(s.runs[2]!.id).map((t) => t.status)).toEqual(["auto_approved", "pending"]);
    await actions.approve(s, acting("b"), {});
    expect(s.instance.status).toBe("approved");
    expect(s.newEvents.map((e) => e.seq)).toEqual(s.newEvents.map((_, i) => i + 1));
  });

  it("applies emptyApprovers when nobody resolves", async () => {
    const empty: FlowNode = { id: "e", type: "approval", mode: "any", approvers: [{ type: "department_head" }] };
    const pass = session([empty, node("n", "any", ["a"])], { emptyApprovers: "auto_pass" }, {});
    await runFrom(pass, "e");
    expect(pass.runs.map((r) => r.status)).toEqual(["skipped", "active"]);
    const reject = session([empty], { emptyApprovers: "auto_reject" }, {});
    await runFrom(reject, "e");
    expect(reject.instance.status).toBe("rejected");
    const admin = session([empty], { emptyApprovers: "admin" }, { roles: { owner: ["o"], admin: ["ad"] } });
    await runFrom(admin, "e");
    expect(admin.tasks.map((t) => [t.assigneeId, t.origin])).toEqual([["o", "admin_fallback"], ["ad", "admin_fallback"]]);
  });

  it("passes a rejection by a signer added before an added signer up to the node's approver", async () => {
    const s = session([node("n", "all", ["a", "b"])], {}, {});
    await runFrom(s, "n");
    await actions.addSigners(s, acting("a"), { userIds: ["x"], position: "before" });
    await actions.addSigners(s, acting("x"), { userIds: ["y"], position: "before" });
    expect(s.tasks.map((t) => [t.assigneeId, t.status])).toEqual([["a", "waiting"], ["b", "pending"], ["x", "waiting"], ["y", "pending"]]);
    await actions.reject(s, acting("y"), {});
    expect(s.tasks.map((t) => [t.assigneeId, t.status])).toEqual([["a", "rejected"], ["b", "canceled"], ["x", "rejected"], ["y", "rejected"]]);
    expect(s.instance.status).toBe("rejected");
  });

  it("refuses decisions on tasks that are no longer pending, and drops user rules naming outsiders", async () => {
    const s = session([node("n", "any", ["a", "b", "gone"])], {}, { outsiders: ["gone"] });
    await runFrom(s, "n");
    expect(s.tasks.map((t) => t.assigneeId)).toEqual(["a", "b"]);
    await actions.reject(s, acting("a"), {});
    await expect(actions.approve(s, acting("b"), {})).rejects.toMatchObject({ code: "task_already_decided" });
    await expect(actions.approve(s, acting("z"), {})).rejects.toBeInstanceOf(DomainError);
  });
});
