import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import type { TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { DomainError } from "../../platform/errors.js";
import { acted, createFlow, lastNode, start, team, type Team } from "./testkit.js";

// Approvals about a task at service level: startForSubject inside the caller's transaction,
// and onFinished hooks inside the approval's transaction (the tasks module's own hook applies
// the transition; this file adds a second hook to observe and to fail on purpose). The HTTP
// path of case 17 is src/modules/tasks/guarded.test.ts.

let t: TestApp;
let org: Team;
let m: TestUser[];
let projectId: string;
let flowKey: string;
let hookFails = false;
const finished: { id: string; status: string }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 3);
  m = org.members;
  const project = await call(t, "POST", `/api/v1/orgs/${org.orgId}/projects`, { token: org.owner.token, body: { key: "APR", name: "审批项目" } });
  expect(project.status).toBe(201);
  projectId = project.body.id;
  // The project's managers sign off (the owner created the project, so manages it).
  flowKey = await createFlow(t, org.owner, org.orgId, { nodes: [{ id: "pm", type: "approval", mode: "any", approvers: [{ type: "project_manager" }] }] });
});
afterAll(async () => t.close());

const newTask = async (title: string): Promise<string> => {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: m[0]!.token, body: { title } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
};
const getTask = async (id: string) => (await call(t, "GET", `/api/v1/tasks/${id}`, { token: m[0]!.token })).body;
const actor = (u: TestUser) => ({ userId: u.id, isInstanceAdmin: false, ip: "127.0.0.1", requestId: `test-${Math.random()}` });

/** What the tasks module's guarded PATCH will do, in one transaction: mark the task, then start the approval. */
const requestTransition = (taskId: string, toStatus: string, key = flowKey) =>
  t.platform.db.tx(async (tx) => {
    const id = randomUUID();
    await tx.query("update tasks set pending_approval_id = $1 where id = $2", [id, taskId]);
    return t.services.approvals.startForSubject(tx, actor(m[0]!), {
      id,
      orgId: org.orgId,
      flowKey: key,
      title: "Move to done",
      subject: { type: "task", id: taskId },
      projectId,
      form: { fromStatus: "todo", toStatus },
    });
  });

describe("approvals about a task", () => {
  it("resolves a task subject through the tasks module, and refuses an unknown one with 422", async () => {
    const taskId = await newTask("subject check");
    const resolved = await start(t, m[0]!, org.orgId, { flowKey, subject: { type: "task", id: taskId } });
    expect(resolved.status).toBe(201);
    expect(lastNode(resolved.body, "pm").tasks.map((x) => x.assigneeId)).toEqual([org.owner.id]);
    const elsewhere = await start(t, m[0]!, org.orgId, { flowKey, subject: { type: "task", id: "00000000-0000-4000-8000-000000000001" } });
    expect(elsewhere.status).toBe(422);
  });

  it("case 17: a guarded task transition leaves the task unchanged until approval, moves it on approval, and not on rejection", async () => {
    t.services.approvals.onFinished(async (tx, approval) => {
      if (approval.subject?.type !== "task") return;
      if (hookFails) throw new DomainError("conflict", "the task cannot take this transition any more");
      finished.push({ id: approval.id, status: approval.status });
      const toStatus = approval.status === "approved" ? String(approval.form.toStatus) : null;
      await tx.query(
        "update tasks set status = coalesce($3, status), pending_approval_id = null, version = version + 1 where id = $1 and pending_approval_id = $2",
        [approval.subject.id, approval.id, toStatus],
      );
    });

    const taskId = await newTask("Ship it");
    const approval = await requestTransition(taskId, "done");
    expect(approval.status).toBe("running");
    expect(await getTask(taskId)).toMatchObject({ status: "todo", pendingApprovalId: approval.id });
    const approved = await acted(t, org.owner, approval.id, { action: "approve" });
    expect(approved.status).toBe("approved");
    expect(await getTask(taskId)).toMatchObject({ status: "done", pendingApprovalId: null });

    const other = await newTask("Not yet");
    const second = await requestTransition(other, "done");
    await acted(t, org.owner, second.id, { action: "reject", comment: "还没测完" });
    expect(await getTask(other)).toMatchObject({ status: "todo", pendingApprovalId: null });

    const withdrawn = await newTask("Changed my mind");
    const third = await requestTransition(withdrawn, "done");
    await acted(t, m[0]!, third.id, { action: "withdraw" });
    expect(await getTask(withdrawn)).toMatchObject({ status: "todo", pendingApprovalId: null });
    expect(finished.map((f) => f.status)).toEqual(["approved", "rejected", "withdrawn"]);

    // A flow that passes at once (nobody to ask, auto_pass) moves the task in the starting transaction.
    const instant = await createFlow(t, org.owner, org.orgId, { settings: { emptyApprovers: "auto_pass" }, nodes: [{ id: "head", type: "approval", mode: "any", approvers: [{ type: "department_head" }] }] });
    const quick = await newTask("Instant");
    const passed = await requestTransition(quick, "done", instant);
    expect(passed.status).toBe("approved");
    expect(await getTask(quick)).toMatchObject({ status: "done", pendingApprovalId: null });
  });

  it("runs the hook in the approval's transaction: a failing hook rolls the decision back", async () => {
    const taskId = await newTask("Atomic");
    const approval = await requestTransition(taskId, "done");
    hookFails = true;
    const refused = await call(t, "POST", `/api/v1/approvals/${approval.id}/actions`, { token: org.owner.token, body: { action: "approve" } });
    hookFails = false;
    expect(refused.status).toBe(409);
    const still = await call(t, "GET", `/api/v1/approvals/${approval.id}`, { token: org.owner.token });
    expect(still.body.status).toBe("running");
    expect(await getTask(taskId)).toMatchObject({ status: "todo", pendingApprovalId: approval.id });
    await acted(t, org.owner, approval.id, { action: "approve" });
    expect(await getTask(taskId)).toMatchObject({ status: "done", pendingApprovalId: null });
  });

  it("starts inside the caller's transaction: when the caller rolls back, no approval remains", async () => {
    const taskId = await newTask("Rolled back");
    const count = async () => (await t.platform.db.query<{ n: number }>("select count(*)::int as n from approval_instances where subject_id = $1", [taskId])).rows[0]!.n;
    await expect(
      t.platform.db.tx(async (tx) => {
        await t.services.approvals.startForSubject(tx, actor(m[0]!), { orgId: org.orgId, flowKey, title: "x", subject: { type: "task", id: taskId }, projectId });
        throw new Error("the task update failed");
      }),
    ).rejects.toThrow("the task update failed");
    expect(await count()).toBe(0);
    expect(await getTask(taskId)).toMatchObject({ pendingApprovalId: null });
  });
});
