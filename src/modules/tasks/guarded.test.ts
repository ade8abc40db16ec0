import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

// APPROVALS.md case 17 through the tasks routes: a guarded transition answers 202,
// leaves the task where it is until the approval is approved, then moves it in the
// approval's own transaction; any other ending only clears pendingApprovalId.

let t: TestApp;
let owner: TestUser;
let worker: TestUser;
let approver: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  const o = await orgWithOwner(t);
  owner = o.owner;
  worker = await addMember(t, o.org.id, owner, "member");
  approver = await addMember(t, o.org.id, owner, "member");
  const flow = await call(t, "POST", `/api/v1/orgs/${o.org.id}/approval-flows`, {
    token: owner.token,
    body: { key: "task-done", name: "完成前审批 Sign-off", nodes: [{ id: "lead", type: "approval", mode: "any", approvers: [{ type: "user", userId: approver.id }] }] },
  });
  expect(flow.status, JSON.stringify(flow.body)).toBe(201);
  const project = await call(t, "POST", `/api/v1/orgs/${o.org.id}/projects`, { token: owner.token, body: { key: "GRD", name: "Guarded" } });
  projectId = project.body.id;
  const wf = await call(t, "PUT", `/api/v1/projects/${projectId}/workflow`, {
    token: owner.token,
    body: {
      statuses: [
        { key: "todo", name: "待办", category: "todo" },
        { key: "doing", name: "进行中", category: "in_progress" },
        { key: "done", name: "完成", category: "done" },
      ],
      transitions: [{ from: "todo", to: "doing" }, { from: "doing", to: "done", approvalFlowKey: "task-done" }, { from: "done", to: "doing" }],
    },
  });
  expect(wf.status).toBe(200);
});
afterAll(async () => t.close());

async function taskInDoing(title: string) {
  const created = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: worker.token, body: { title } });
  expect(created.status).toBe(201);
  const moved = await call(t, "PATCH", `/api/v1/tasks/${created.body.id}`, { token: worker.token, body: { status: "doing" } });
  expect(moved.status).toBe(200);
  return moved.body as { id: string; key: string; version: number };
}

const act = (approvalId: string, user: TestUser, action: string) =>
  call(t, "GET", `/api/v1/approvals/${approvalId}`, { token: user.token }).then(async (a) => {
    const pending = a.body.nodes.flatMap((n: { tasks: { id: string; status: string; assigneeId: string }[] }) => n.tasks).find((x: { status: string; assigneeId: string }) => x.status === "pending" && x.assigneeId === user.id);
    return call(t, "POST", `/api/v1/approvals/${approvalId}/actions`, { token: user.token, body: { action, ...(pending ? { taskId: pending.id } : {}) } });
  });

describe("guarded task transitions", () => {
  it("answers 202 with the approval, keeps the task, then moves it when approved", async () => {
    const task = await taskInDoing("需要审批的任务");
    const res = await call(t, "PATCH", `/api/v1/tasks/${task.key}`, { token: worker.token, body: { status: "done" } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.task.status).toBe("doing");
    expect(res.body.task.pendingApprovalId).toBe(res.body.approval.id);
    expect(res.body.approval).toMatchObject({ flowKey: "task-done", status: "running", subject: { type: "task", id: task.id } });

    const again = await call(t, "PATCH", `/api/v1/tasks/${task.key}`, { token: worker.token, body: { status: "done" } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("approval_pending");
    const stillDoing = await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: worker.token });
    expect(stillDoing.body).toMatchObject({ status: "doing", pendingApprovalId: res.body.approval.id });

    const approved = await act(res.body.approval.id, approver, "approve");
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe("approved");
    const after = await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: worker.token });
    expect(after.body).toMatchObject({ status: "done", pendingApprovalId: null, progress: 100 });
    const activity = await call(t, "GET", `/api/v1/tasks/${task.id}/activity?limit=200`, { token: worker.token });
    const last = activity.body.items.at(-1);
    expect(last.changes.status).toEqual({ from: "doing", to: "done" });
  });

  it("leaves the task untouched and clears pendingApprovalId on rejection", async () => {
    const task = await taskInDoing("会被驳回");
    const res = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: worker.token, body: { status: "done" } });
    expect(res.status).toBe(202);
    const rejected = await act(res.body.approval.id, approver, "reject");
    expect(rejected.body.status).toBe("rejected");
    const after = await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: worker.token });
    expect(after.body).toMatchObject({ status: "doing", pendingApprovalId: null });
  });

  it("clears pendingApprovalId when the initiator withdraws, and allows a new request", async () => {
    const task = await taskInDoing("撤回后重新提交");
    const first = await call(t, "POST", `/api/v1/tasks/${task.id}/move`, { token: worker.token, body: { status: "done" } });
    expect(first.status).toBe(202);
    const withdrawn = await call(t, "POST", `/api/v1/approvals/${first.body.approval.id}/actions`, { token: worker.token, body: { action: "withdraw" } });
    expect(withdrawn.body.status).toBe("withdrawn");
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: worker.token })).body.pendingApprovalId).toBeNull();
    const second = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: worker.token, body: { status: "done" } });
    expect(second.status).toBe(202);
    expect(second.body.approval.id).not.toBe(first.body.approval.id);
  });

  it("does not let a task be created straight into a guarded status", async () => {
    const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: worker.token, body: { title: "skip", status: "done" } });
    expect(res.status).toBe(409);
  });
});
