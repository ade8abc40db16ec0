import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let orgId: string;

const today = () => new Date().toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
});
afterAll(async () => t.close());

async function newTask(projectId: string, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "Step", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("baselines", () => {
  it("snapshots the schedule and reports planned vs current vs actual in working days", async () => {
    const project = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "BL", name: "Baselined" } })).body;
    const a = await newTask(project.id, { startDate: "2026-11-30", dueDate: "2026-12-02" });
    const b = await newTask(project.id, { estimateHours: 16 });
    const gone = await newTask(project.id, { startDate: "2026-11-30", dueDate: "2026-11-30" });
    expect((await call(t, "POST", `/api/v1/tasks/${b.id}/dependencies`, { token: owner.token, body: { predecessorId: a.id, type: "FS" } })).status).toBe(201);

    expect((await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { token: member.token, body: { name: "Plan v1" } })).status).toBe(403);
    const created = await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { token: owner.token, body: { name: "Plan v1" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ projectId: project.id, name: "Plan v1", createdBy: owner.id, taskCount: 3 });
    expect((await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { token: owner.token, body: { name: "Plan v1" } })).status).toBe(409);

    // Since then: A slipped two days, a task was added, one deleted, work started and one finished.
    expect((await call(t, "PATCH", `/api/v1/tasks/${a.id}`, { token: owner.token, body: { dueDate: "2026-12-04" } })).status).toBe(200);
    const added = await newTask(project.id, { startDate: "2026-12-01", dueDate: "2026-12-01" });
    expect((await call(t, "DELETE", `/api/v1/tasks/${gone.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "POST", `/api/v1/tasks/${a.id}/worklogs`, { token: owner.token, body: { hours: 2, date: yesterday() } })).status).toBe(201);
    expect((await call(t, "PATCH", `/api/v1/tasks/${added.id}`, { token: owner.token, body: { status: "done" } })).status).toBe(200);

    const res = await call(t, "GET", `/api/v1/projects/${project.id}/baselines/${created.body.id}`, { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body.projectFinish).toEqual({ baseline: "2026-12-04", current: "2026-12-08", varianceDays: 2 });
    const row = (id: string) => res.body.tasks.find((x: { taskId: string }) => x.taskId === id);
    expect(row(a.id)).toEqual({
      taskId: a.id,
      key: a.key,
      change: "kept",
      planned: { start: "2026-11-30", finish: "2026-12-02" },
      current: { start: "2026-11-30", finish: "2026-12-04" },
      actual: { start: yesterday(), finish: null },
      startVarianceDays: 0,
      finishVarianceDays: 2,
    });
    expect(row(b.id)).toMatchObject({ planned: { start: "2026-12-03", finish: "2026-12-04" }, current: { start: "2026-12-07", finish: "2026-12-08" }, startVarianceDays: 2, finishVarianceDays: 2 });
    expect(row(added.id)).toMatchObject({ change: "added", planned: null, startVarianceDays: null, actual: { start: today(), finish: today() } });
    expect(row(gone.id)).toMatchObject({ change: "removed", key: gone.key, current: null, planned: { start: "2026-11-30", finish: "2026-11-30" } });
  });

  it("lists and deletes baselines, within the project only", async () => {
    const project = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "BL2", name: "Second" } })).body;
    const other = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "BL3", name: "Third" } })).body;
    const first = (await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { token: owner.token, body: { name: "Empty" } })).body;
    expect(first.taskCount).toBe(0);
    const list = await call(t, "GET", `/api/v1/projects/${project.id}/baselines`, { token: member.token });
    expect(list.body.items.map((b: { name: string }) => b.name)).toEqual(["Empty"]);
    expect((await call(t, "GET", `/api/v1/projects/${other.id}/baselines/${first.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(t, "DELETE", `/api/v1/projects/${project.id}/baselines/${first.id}`, { token: member.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/projects/${project.id}/baselines/${first.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/projects/${project.id}/baselines/${first.id}`, { token: owner.token })).status).toBe(404);
    const stranger = (await orgWithOwner(t)).owner;
    expect((await call(t, "GET", `/api/v1/projects/${project.id}/baselines`, { token: stranger.token })).status).toBe(404);
  });
});
