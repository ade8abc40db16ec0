import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let ann: TestUser;
let bob: TestUser;
let viewer: TestUser;
let guest: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  ann = await addMember(t, orgId, owner, "member", "Ann");
  bob = await addMember(t, orgId, owner, "member", "Bob");
  viewer = await addMember(t, orgId, owner, "member", "Val");
  guest = await addMember(t, orgId, owner, "guest", "Gus");
});
afterAll(async () => t.close());

async function newProject(strategy: string): Promise<string> {
  const key = `AS${++keySeq}`;
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: key } });
  expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/members/${viewer.id}`, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
  expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/assignment`, { token: owner.token, body: { strategy } })).status).toBe(200);
  return res.body.id;
}
async function newTask(projectId: string, body: Record<string, unknown> = {}) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: ann.token, body: { title: "New work", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const autoAssigned = async (taskId: string) =>
  (await call(t, "GET", `/api/v1/tasks/${taskId}/activity`, { token: owner.token })).body.items.find((a: { action: string }) => a.action === "auto_assigned")?.changes;

describe("automatic assignment", () => {
  it("gives a new unassigned task to the least-loaded eligible member in its window, and says why", async () => {
    const p = await newProject("least_loaded");
    // Ann is booked full in the week of 2026-12-07 (assigned by hand: no automatic choice).
    await newTask(p, { assigneeId: ann.id, startDate: "2026-12-07", dueDate: "2026-12-11", estimateHours: 40 });
    const task = await newTask(p, { startDate: "2026-12-08", dueDate: "2026-12-10", estimateHours: 6 });
    expect(task.assigneeId).toBe(bob.id);
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: owner.token })).body.assigneeId).toBe(bob.id);
    expect(await autoAssigned(task.id)).toEqual({
      assigneeId: { from: null, to: bob.id },
      strategy: "least_loaded",
      candidates: 3, // Ann, Bob and the owner; not the viewer, not the guest
      matchedLabels: [],
      allocatedHours: 0,
      capacityHours: 40,
      load: 0,
      window: { from: "2026-12-08", to: "2026-12-10" },
    });
  });

  it("prefers a member whose skills match the task's labels, even a busier one", async () => {
    const p = await newProject("least_loaded");
    expect((await call(t, "PUT", `/api/v1/orgs/${orgId}/members/${ann.id}/skills`, { token: ann.token, body: { skills: ["DB", " db ", "sql"] } })).body).toEqual({ userId: ann.id, skills: ["DB", "db", "sql"] });
    await newTask(p, { assigneeId: ann.id, startDate: "2026-12-07", dueDate: "2026-12-11", estimateHours: 20 });
    const task = await newTask(p, { startDate: "2026-12-08", dueDate: "2026-12-10", labels: ["db"] });
    expect(task.assigneeId).toBe(ann.id);
    // 40 hours from the test before (workload is org-wide) and 20 here.
    expect(await autoAssigned(task.id)).toMatchObject({ candidates: 1, matchedLabels: ["db"], allocatedHours: 60, capacityHours: 40, load: 1.5 });
  });

  it("takes turns in round-robin mode and leaves explicit assignees alone", async () => {
    const p = await newProject("round_robin");
    const picked = [];
    for (let i = 0; i < 4; i++) picked.push((await newTask(p)).assigneeId);
    expect(picked).toEqual([ann.id, bob.id, owner.id, ann.id]);
    expect((await newTask(p, { assigneeId: owner.id })).assigneeId).toBe(owner.id);
    expect((await newTask(p)).assigneeId).toBe(bob.id);
  });

  it("is off by default and set by a manager", async () => {
    const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "OFF", name: "Off" } });
    expect((await call(t, "GET", `/api/v1/projects/${res.body.id}/assignment`, { token: ann.token })).body).toEqual({ strategy: "off" });
    expect((await newTask(res.body.id)).assigneeId).toBeNull();
    expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/assignment`, { token: ann.token, body: { strategy: "round_robin" } })).status).toBe(403);
    expect((await call(t, "PUT", `/api/v1/orgs/${orgId}/members/${bob.id}/skills`, { token: ann.token, body: { skills: ["x"] } })).status).toBe(403);
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}/members/${bob.id}/skills`, { token: guest.token })).body).toEqual({ userId: bob.id, skills: [] });
  });
});
