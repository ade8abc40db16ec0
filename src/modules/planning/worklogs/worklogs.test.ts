import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let other: TestUser;
let viewer: TestUser;
let orgId: string;
let projectId: string;

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
  other = await addMember(t, orgId, owner, "member");
  viewer = await addMember(t, orgId, owner, "member");
  const p = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "WL", name: "Worklogs" } });
  projectId = p.body.id;
  expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${viewer.id}`, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
});
afterAll(async () => t.close());

async function newTask(): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "Work", estimateHours: 40 } });
  expect(res.status).toBe(201);
  return res.body;
}
const log = (task: string, body: Record<string, unknown>, user = member) => call(t, "POST", `/api/v1/tasks/${task}/worklogs`, { token: user.token, body });
const taskOf = async (task: string) => (await call(t, "GET", `/api/v1/tasks/${task}`, { token: owner.token })).body;

describe("worklogs", () => {
  it("adds hours to the task's spentHours in the same write, with activity and audit", async () => {
    const task = await newTask();
    const res = await log(task.key, { hours: 2.5, date: daysAgo(1), note: " Pairing " });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ taskId: task.id, userId: member.id, hours: 2.5, date: daysAgo(1), note: "Pairing" });
    const after = await taskOf(task.id);
    expect(after).toMatchObject({ spentHours: 2.5, version: 2 });
    expect((await log(task.id, { hours: 1.25, date: daysAgo(0) })).status).toBe(201);
    expect((await taskOf(task.id)).spentHours).toBe(3.75);
    const activity = (await call(t, "GET", `/api/v1/tasks/${task.id}/activity`, { token: owner.token })).body.items;
    expect(activity.filter((a: { action: string }) => a.action === "worklog_added").map((a: { changes: { spentHours: unknown } }) => a.changes.spentHours)).toEqual([
      { from: 0, to: 2.5 },
      { from: 2.5, to: 3.75 },
    ]);
    const audit = await t.platform.db.query("select 1 from audit_log where action = 'worklog.create' and target_id = $1", [res.body.id]);
    expect(audit.rows).toHaveLength(1);
  });

  it("lists a task's worklogs latest first, page by page", async () => {
    const task = await newTask();
    for (const n of [5, 3, 4]) expect((await log(task.id, { hours: 1, date: daysAgo(n) })).status).toBe(201);
    const first = await call(t, "GET", `/api/v1/tasks/${task.id}/worklogs?limit=2`, { token: viewer.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((w: { date: string }) => w.date)).toEqual([daysAgo(3), daysAgo(4)]);
    const second = await call(t, "GET", `/api/v1/tasks/${task.id}/worklogs?limit=2&cursor=${first.body.nextCursor}`, { token: viewer.token });
    expect(second.body.items.map((w: { date: string }) => w.date)).toEqual([daysAgo(5)]);
    expect(second.body.nextCursor).toBeNull();
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}/worklogs?cursor=bm9wZQ`, { token: viewer.token })).status).toBe(400);
  });

  it("keeps one person's day at 24 hours across tasks", async () => {
    const [a, b] = [await newTask(), await newTask()];
    expect((await log(a.id, { hours: 20, date: daysAgo(10) }, other)).status).toBe(201);
    const over = await log(b.id, { hours: 5, date: daysAgo(10) }, other);
    expect(over.status).toBe(422);
    expect(over.body.code).toBe("daily_hours_exceeded");
    expect(over.body.errors[0].message).toContain("at most 4 more hours");
    expect((await log(b.id, { hours: 4, date: daysAgo(10) }, other)).status).toBe(201);
    expect((await log(b.id, { hours: 4, date: daysAgo(10) }, member)).status).toBe(201); // someone else's day
    expect((await taskOf(b.id)).spentHours).toBe(8);
  });

  it("refuses impossible hours, future dates, viewers and other orgs", async () => {
    const task = await newTask();
    for (const hours of [0, -1, 24.01, "2"]) expect((await log(task.id, { hours, date: daysAgo(1) })).status, String(hours)).toBe(400);
    expect((await log(task.id, { hours: 0.001, date: daysAgo(1) })).status).toBe(422);
    expect((await log(task.id, { hours: 1, date: daysAgo(-3) })).status).toBe(422);
    expect((await log(task.id, { hours: 1, date: "2026-02-30" })).status).toBe(400);
    expect((await log(task.id, { hours: 1, date: daysAgo(1) }, viewer)).status).toBe(403);
    const stranger = (await orgWithOwner(t)).owner;
    expect((await log(task.id, { hours: 1, date: daysAgo(1) }, stranger)).status).toBe(404);
    expect((await taskOf(task.id)).spentHours).toBe(0);
  });

  it("counts every hour when many are logged at once", async () => {
    const task = await newTask();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => log(task.id, { hours: 1.5, date: daysAgo(20 + (i % 3)) }, i % 2 === 0 ? member : other)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect((await taskOf(task.id)).spentHours).toBe(12);
  });

  it("lets the author or a project manager take a worklog back", async () => {
    const task = await newTask();
    const mine = (await log(task.id, { hours: 3, date: daysAgo(2) })).body;
    const theirs = (await log(task.id, { hours: 2, date: daysAgo(2) }, other)).body;
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/worklogs/${theirs.id}`, { token: member.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/worklogs/${mine.id}`, { token: member.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/worklogs/${theirs.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/worklogs/${mine.id}`, { token: owner.token })).status).toBe(404);
    expect((await taskOf(task.id)).spentHours).toBe(0);
    const elsewhere = await newTask();
    const stray = (await log(elsewhere.id, { hours: 1, date: daysAgo(2) })).body;
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/worklogs/${stray.id}`, { token: owner.token })).status).toBe(404);
  });
});
