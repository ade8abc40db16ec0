import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
});
afterAll(async () => t.close());

async function newProject(mode?: "automatic"): Promise<string> {
  const key = `M${++keySeq}`;
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: key } });
  expect(res.status).toBe(201);
  if (mode) expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/scheduling`, { token: owner.token, body: { mode } })).status).toBe(200);
  return res.body.id;
}
async function newTask(projectId: string, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: member.token, body: { title: "Step", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function depend(successor: string, predecessor: string, type = "FS", lagDays = 0) {
  const res = await call(t, "POST", `/api/v1/tasks/${successor}/dependencies`, { token: member.token, body: { predecessorId: predecessor, type, lagDays } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}
const dates = async (id: string) => {
  const task = (await call(t, "GET", `/api/v1/tasks/${id}`, { token: member.token })).body;
  return [task.startDate, task.dueDate];
};
const activity = async (id: string) => (await call(t, "GET", `/api/v1/tasks/${id}/activity`, { token: member.token })).body.items;

describe("scheduling modes", () => {
  it("is manual by default and only a manager switches it", async () => {
    const p = await newProject();
    expect((await call(t, "GET", `/api/v1/projects/${p}/scheduling`, { token: member.token })).body).toEqual({ mode: "manual" });
    expect((await call(t, "PUT", `/api/v1/projects/${p}/scheduling`, { token: member.token, body: { mode: "automatic" } })).status).toBe(403);
    expect((await call(t, "PUT", `/api/v1/projects/${p}/scheduling`, { token: owner.token, body: { mode: "sometimes" } })).status).toBe(400);
  });

  it("moves dated dependents down an automatic chain when a predecessor grows, and says why", async () => {
    const auto = await newProject("automatic");
    const manual = await newProject();
    const a = await newTask(auto, { startDate: "2026-11-30", dueDate: "2026-12-02" });
    const b = await newTask(auto, { startDate: "2026-12-03", dueDate: "2026-12-04" });
    const c = await newTask(auto, { startDate: "2026-12-07", estimateHours: 8 });
    const d = await newTask(manual, { startDate: "2026-12-07", dueDate: "2026-12-07" });
    await depend(b.id, a.id);
    await depend(c.id, b.id, "SS", 1);
    await depend(d.id, b.id);

    const res = await call(t, "PATCH", `/api/v1/tasks/${a.id}`, { token: member.token, body: { dueDate: "2026-12-04" } });
    expect(res.status).toBe(200);
    expect(await dates(b.id)).toEqual(["2026-12-07", "2026-12-08"]);
    expect(await dates(c.id)).toEqual(["2026-12-08", null]);
    expect(await dates(d.id)).toEqual(["2026-12-07", "2026-12-07"]); // manual: left to the user

    const moved = (await activity(b.id)).find((x: { action: string }) => x.action === "rescheduled");
    expect(moved.actorId).toBe(member.id);
    expect(moved.changes).toEqual({
      startDate: { from: "2026-12-03", to: "2026-12-07" },
      dueDate: { from: "2026-12-04", to: "2026-12-08" },
      because: { taskId: a.id, key: a.key, type: "FS", lagDays: 0, date: "2026-12-04" },
      trigger: { kind: "task", taskId: a.id, key: a.key },
    });
    const events = await t.platform.db.query<{ project_id: string }>("select project_id from outbox_events where type = 'task.updated' and data->>'id' = $1", [c.id]);
    expect(events.rows).toEqual([{ project_id: auto }]);

    // The manual project reports the conflict instead of moving the task.
    const s = (await call(t, "GET", `/api/v1/projects/${manual}/schedule`, { token: member.token })).body;
    expect(s.conflicts).toEqual([d.id]);
    expect(s.tasks[0].driver).toBe(`starts 2026-12-09 because ${b.key} finishes 2026-12-08, FS +0`);

    // Switching it to automatic resolves the conflict at once.
    const switched = await call(t, "PUT", `/api/v1/projects/${manual}/scheduling`, { token: owner.token, body: { mode: "automatic" } });
    expect(switched.body).toEqual({ mode: "automatic", rescheduled: 1 });
    expect(await dates(d.id)).toEqual(["2026-12-09", "2026-12-09"]);
    expect((await activity(d.id)).at(-1).changes.trigger).toEqual({ kind: "mode", projectId: manual });
  });

  it("pushes the successor when a link is made or tightened, never pulls it back", async () => {
    const auto = await newProject("automatic");
    const x = await newTask(auto, { startDate: "2026-12-01", dueDate: "2026-12-01" });
    const y = await newTask(auto, { startDate: "2026-11-30", dueDate: "2026-11-30" });
    await depend(y.id, x.id);
    expect(await dates(y.id)).toEqual(["2026-12-02", "2026-12-02"]);
    const link = (await call(t, "GET", `/api/v1/tasks/${y.id}/dependencies`, { token: member.token })).body.predecessors[0];
    expect((await call(t, "PATCH", `/api/v1/tasks/${y.id}/dependencies/${link.id}`, { token: member.token, body: { lagDays: 2 } })).status).toBe(200);
    expect(await dates(y.id)).toEqual(["2026-12-04", "2026-12-04"]);
    expect((await activity(y.id)).filter((e: { action: string }) => e.action === "rescheduled").map((e: any) => e.changes.trigger.kind)).toEqual(["dependency", "dependency"]);
    expect((await call(t, "PATCH", `/api/v1/tasks/${x.id}`, { token: member.token, body: { startDate: "2026-11-25", dueDate: "2026-11-25" } })).status).toBe(200);
    expect(await dates(y.id)).toEqual(["2026-12-04", "2026-12-04"]);
  });
});
