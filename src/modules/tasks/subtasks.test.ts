import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
});
afterAll(async () => t.close());

async function newProject(): Promise<string> {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: `S${++keySeq}`, name: "Subtasks" } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function createTask(projectId: string, body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function patch(id: string, body: Record<string, unknown>) {
  const res = await call(t, "PATCH", `/api/v1/tasks/${id}`, { token: owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const progressOf = async (id: string) => (await call(t, "GET", `/api/v1/tasks/${id}`, { token: owner.token })).body.progress as number;
const activity = async (id: string) => (await call(t, "GET", `/api/v1/tasks/${id}/activity?limit=200`, { token: owner.token })).body.items as { action: string; changes: any }[];

describe("progress roll-up", () => {
  it("weights subtasks by estimate (unestimated ones weigh 1) and follows every change", async () => {
    const projectId = await newProject();
    const parent = await createTask(projectId, { title: "Parent" });
    const a = await createTask(projectId, { title: "A", parentId: parent.id, estimateHours: 3 });
    const b = await createTask(projectId, { title: "B", parentId: parent.id, estimateHours: 1 });
    const c = await createTask(projectId, { title: "C", parentId: parent.id });
    expect(await progressOf(parent.id)).toBe(0);
    await patch(a.id, { progress: 100 });
    expect(await progressOf(parent.id)).toBe(60); // 100 x 3 / 5
    await patch(c.id, { progress: 50 });
    expect(await progressOf(parent.id)).toBe(70); // (300 + 50) / 5
    await patch(b.id, { estimateHours: 5 });
    expect(await progressOf(parent.id)).toBe(39); // 350 / 9
    await patch(b.id, { status: "done" });
    expect(await progressOf(parent.id)).toBe(94); // (300 + 500 + 50) / 9
    await createTask(projectId, { title: "D", parentId: parent.id, estimateHours: 9 });
    expect(await progressOf(parent.id)).toBe(47); // 850 / 18
    const rolled = (await activity(parent.id)).filter((e) => e.action === "progress_rolled_up");
    expect(rolled.at(-1)!.changes).toEqual({ progress: { from: 94, to: 47 } });
  });

  it("rolls up through every ancestor in the same request", async () => {
    const projectId = await newProject();
    const root = await createTask(projectId, { title: "Root" });
    const mid = await createTask(projectId, { title: "Mid", parentId: root.id, estimateHours: 2 });
    await createTask(projectId, { title: "Sibling of mid", parentId: root.id });
    const leaf = await createTask(projectId, { title: "Leaf", parentId: mid.id });
    await patch(leaf.id, { progress: 90 });
    expect(await progressOf(mid.id)).toBe(90);
    expect(await progressOf(root.id)).toBe(60); // (90 x 2 + 0 x 1) / 3
    const rootTask = (await call(t, "GET", `/api/v1/tasks/${root.id}`, { token: owner.token })).body;
    expect(rootTask.version).toBeGreaterThan(1);
  });

  it("recomputes both parents when a subtask moves, and refuses a hand-set progress on a parent", async () => {
    const projectId = await newProject();
    const p1 = await createTask(projectId, { title: "P1" });
    const p2 = await createTask(projectId, { title: "P2" });
    const x = await createTask(projectId, { title: "X", parentId: p1.id, progress: 80 });
    await createTask(projectId, { title: "Y", parentId: p1.id, progress: 20 });
    expect(await progressOf(p1.id)).toBe(50);
    await patch(x.id, { parentId: p2.id });
    expect(await progressOf(p1.id)).toBe(20);
    expect(await progressOf(p2.id)).toBe(80);
    expect((await activity(p1.id)).map((e) => e.action)).toContain("subtask_removed");
    const refused = await call(t, "PATCH", `/api/v1/tasks/${p2.id}`, { token: owner.token, body: { progress: 10 } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe("body.progress");
    const asTopLevel = await patch(x.id, { parentId: null });
    expect(asTopLevel.parentId).toBeNull();
  });
});

describe("parents", () => {
  it("refuses itself, its own subtasks and tasks of another project as parent (422 invalid_parent)", async () => {
    const projectId = await newProject();
    const other = await createTask(await newProject(), { title: "Elsewhere" });
    const top = await createTask(projectId, { title: "Top" });
    const child = await createTask(projectId, { title: "Child", parentId: top.id });
    const grandchild = await createTask(projectId, { title: "Grandchild", parentId: child.id });
    const attempts = [
      await call(t, "PATCH", `/api/v1/tasks/${top.id}`, { token: owner.token, body: { parentId: top.id } }),
      await call(t, "PATCH", `/api/v1/tasks/${top.id}`, { token: owner.token, body: { parentId: grandchild.id } }),
      await call(t, "PATCH", `/api/v1/tasks/${top.id}`, { token: owner.token, body: { parentId: other.id } }),
      await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "x", parentId: other.id } }),
      await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "x", parentId: "4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13" } }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("invalid_parent");
      expect(res.body.errors[0].path).toBe("body.parentId");
    }
    expect((await call(t, "GET", `/api/v1/tasks/${top.id}`, { token: owner.token })).body.parentId).toBeNull();
  });

  it("deletes a parent with its subtasks and records it in activity, audit and events", async () => {
    const projectId = await newProject();
    const root = await createTask(projectId, { title: "Root" });
    const parent = await createTask(projectId, { title: "Parent", parentId: root.id, progress: 0 });
    const child = await createTask(projectId, { title: "Child", parentId: parent.id, progress: 100 });
    const grandchild = await createTask(projectId, { title: "Grandchild", parentId: child.id, progress: 100 });
    await createTask(projectId, { title: "Stays", parentId: root.id, progress: 40 });
    expect(await progressOf(root.id)).toBe(70);
    expect((await call(t, "DELETE", `/api/v1/tasks/${parent.id}`, { token: owner.token })).status).toBe(204);
    for (const id of [parent.id, child.id, grandchild.id]) expect((await call(t, "GET", `/api/v1/tasks/${id}`, { token: owner.token })).status).toBe(404);
    expect(await progressOf(root.id)).toBe(40);
    const deleted = (await activity(root.id)).find((e) => e.action === "subtask_deleted")!;
    expect(deleted.changes).toMatchObject({ subtaskId: parent.id, key: parent.key, subtasks: [{ id: child.id, key: child.key }, { id: grandchild.id, key: grandchild.key }] });
    const audit = await t.platform.db.query<{ changes: any }>("select changes from audit_log where action = 'task.delete' and target_id = $1", [parent.id]);
    expect(audit.rows[0]!.changes.subtasks.map((s: { id: string }) => s.id)).toEqual([child.id, grandchild.id]);
    const events = await t.platform.db.query<{ data: any }>("select data from outbox_events where type = 'task.deleted' and project_id = $1", [projectId]);
    expect(events.rows.map((e) => e.data.id).sort()).toEqual([parent.id, child.id, grandchild.id].sort());
  });
});
