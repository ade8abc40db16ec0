import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

// The hand-computed networks of plan.test.ts, this time through HTTP and the database.

let t: TestApp;
let owner: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
});
afterAll(async () => t.close());

async function newProject(org = orgId, user = owner): Promise<{ id: string; key: string }> {
  const key = `S${++keySeq}`;
  const res = await call(t, "POST", `/api/v1/orgs/${org}/projects`, { token: user.token, body: { key, name: `Project ${key}` } });
  expect(res.status).toBe(201);
  return { id: res.body.id, key };
}

async function newTask(projectId: string, body: Record<string, unknown>, user = owner): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: user.token, body: { title: "Task", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function depend(successor: string, predecessor: string, type = "FS", lagDays = 0, user = owner) {
  const res = await call(t, "POST", `/api/v1/tasks/${successor}/dependencies`, { token: user.token, body: { predecessorId: predecessor, type, lagDays } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function schedule(projectId: string, user = owner, headers: Record<string, string> = {}) {
  const res = await call(t, "GET", `/api/v1/projects/${projectId}/schedule`, { token: user.token, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const row = (s: { tasks: any[] }, id: string) => {
  const x = s.tasks.find((task) => task.id === id);
  return [x.earlyStart, x.earlyFinish, x.lateStart, x.lateFinish, x.slackDays, x.critical];
};

describe("GET /projects/{id}/schedule", () => {
  it("computes the textbook finish-to-start network and explains each date", async () => {
    const p = await newProject();
    const a = await newTask(p.id, { startDate: "2026-11-30", dueDate: "2026-12-02" });
    const b = await newTask(p.id, { estimateHours: 16 });
    const c = await newTask(p.id, { estimateHours: 32 });
    const d = await newTask(p.id, { estimateHours: 16 });
    const e = await newTask(p.id, { estimateHours: 8 });
    await depend(b.id, a.id);
    await depend(c.id, a.id);
    await depend(d.id, b.id);
    await depend(d.id, c.id);
    await depend(e.id, b.id);
    const s = await schedule(p.id);
    expect([s.projectStart, s.projectFinish]).toEqual(["2026-11-30", "2026-12-10"]);
    expect(row(s, a.id)).toEqual(["2026-11-30", "2026-12-02", "2026-11-30", "2026-12-02", 0, true]);
    expect(row(s, b.id)).toEqual(["2026-12-03", "2026-12-04", "2026-12-07", "2026-12-08", 2, false]);
    expect(row(s, c.id)).toEqual(["2026-12-03", "2026-12-08", "2026-12-03", "2026-12-08", 0, true]);
    expect(row(s, d.id)).toEqual(["2026-12-09", "2026-12-10", "2026-12-09", "2026-12-10", 0, true]);
    expect(row(s, e.id)).toEqual(["2026-12-07", "2026-12-07", "2026-12-10", "2026-12-10", 3, false]);
    expect(s.criticalPath).toEqual([a.id, c.id, d.id]);
    const bRow = s.tasks.find((x: { id: string }) => x.id === b.id);
    expect(bRow.driver).toBe(`starts 2026-12-03 because ${a.key} finishes 2026-12-02, FS +0`);
    expect(bRow.drivenBy).toEqual({ kind: "dependency", taskId: a.id, taskKey: a.key, type: "FS", lagDays: 0 });
    const zh = await schedule(p.id, owner, { "accept-language": "zh-CN,zh;q=0.9" });
    expect(zh.tasks.find((x: { id: string }) => x.id === b.id).driver).toBe(`2026-12-03 开始，因为 ${a.key} 于 2026-12-02 完成（FS +0）`);
  });

  it("follows the org's calendar: the 2026 Spring Festival and its make-up Saturdays", async () => {
    const { owner: boss, org } = await orgWithOwner(t);
    expect((await call(t, "POST", `/api/v1/orgs/${org.id}/calendar/import`, { token: boss.token, body: { preset: "cn-mainland", years: [2026] } })).status).toBe(200);
    const p = await newProject(org.id, boss);
    const tp = await newTask(p.id, { startDate: "2026-02-11", dueDate: "2026-02-14" }, boss);
    const tq = await newTask(p.id, { estimateHours: 16 }, boss);
    const tr = await newTask(p.id, { startDate: "2026-02-13", dueDate: "2026-02-26" }, boss);
    const ts = await newTask(p.id, { milestone: true, title: "Ready" }, boss);
    const tt = await newTask(p.id, { estimateHours: 10 }, boss);
    await depend(tq.id, tp.id, "FS", 2, boss);
    await depend(tr.id, tp.id, "SS", 0, boss);
    await depend(ts.id, tq.id, "FS", 0, boss);
    await depend(ts.id, tr.id, "FS", 0, boss);
    await depend(tt.id, ts.id, "FS", 0, boss);
    const s = await schedule(p.id, boss);
    expect(row(s, tp.id)).toEqual(["2026-02-11", "2026-02-14", "2026-02-11", "2026-02-14", 0, true]);
    expect(row(s, tq.id)).toEqual(["2026-02-26", "2026-02-27", "2026-02-26", "2026-02-27", 0, true]);
    expect(row(s, tr.id)).toEqual(["2026-02-13", "2026-02-26", "2026-02-14", "2026-02-27", 1, false]);
    expect(row(s, ts.id)).toEqual(["2026-02-27", "2026-02-27", "2026-02-27", "2026-02-27", 0, true]);
    expect(row(s, tt.id)).toEqual(["2026-02-28", "2026-03-02", "2026-02-28", "2026-03-02", 0, true]);
    expect(s.tasks.find((x: { id: string }) => x.id === ts.id)).toMatchObject({ milestone: true, durationDays: 0 });
    expect(s.criticalPath).toEqual([tp.id, tq.id, ts.id, tt.id]);
    // Changing the calendar changes the schedule: Feb 28 is no longer a working day.
    expect((await call(t, "PUT", `/api/v1/orgs/${org.id}/calendar/days/2026-02-28`, { token: boss.token, body: { working: false } })).status).toBe(200);
    expect(row(await schedule(p.id, boss), tt.id)).toEqual(["2026-03-02", "2026-03-03", "2026-03-02", "2026-03-03", 0, true]);
  });

  it("treats linked tasks of other projects as fixed dates", async () => {
    const p = await newProject();
    const other = await newProject();
    const upstream = await newTask(other.id, { startDate: "2026-12-07", dueDate: "2026-12-08" });
    const downstream = await newTask(other.id, { startDate: "2026-12-14", dueDate: "2026-12-18" });
    const x = await newTask(p.id, { startDate: "2026-12-01", estimateHours: 16 });
    const y = await newTask(p.id, { estimateHours: 24 });
    await depend(x.id, upstream.id);
    await depend(y.id, x.id);
    await depend(downstream.id, y.id);
    const s = await schedule(p.id);
    expect(s.tasks.map((task: { id: string }) => task.id)).toEqual([x.id, y.id]);
    expect(row(s, x.id)).toEqual(["2026-12-09", "2026-12-10", "2026-12-07", "2026-12-08", -2, true]);
    expect(row(s, y.id)).toEqual(["2026-12-11", "2026-12-15", "2026-12-09", "2026-12-11", -2, true]);
    expect(s.tasks[0].driver).toBe(`starts 2026-12-09 because ${upstream.key} finishes 2026-12-08, FS +0`);
  });

  it("spans parents over their subtasks and flags tasks that miss their due date", async () => {
    const p = await newProject();
    const a = await newTask(p.id, { startDate: "2026-11-30", dueDate: "2026-12-01" });
    const phase = await newTask(p.id, { title: "Phase", dueDate: "2026-12-04" });
    const c1 = await newTask(p.id, { estimateHours: 16, parentId: phase.id });
    const c2 = await newTask(p.id, { estimateHours: 24, parentId: phase.id });
    await depend(phase.id, a.id);
    await depend(c2.id, c1.id, "SS", 1);
    const s = await schedule(p.id);
    const byId = (id: string) => s.tasks.find((x: { id: string }) => x.id === id);
    expect(row(s, c1.id)).toEqual(["2026-12-02", "2026-12-03", "2026-12-02", "2026-12-03", 0, true]);
    expect(row(s, c2.id)).toEqual(["2026-12-03", "2026-12-07", "2026-12-03", "2026-12-07", 0, true]);
    expect(byId(phase.id)).toMatchObject({ summary: true, earlyStart: "2026-12-02", earlyFinish: "2026-12-07", durationDays: 4, late: true, dueSlackDays: -1 });
    expect(byId(phase.id).driver).toBe(`spans its subtasks: starts 2026-12-02 with ${c1.key}, finishes 2026-12-07 with ${c2.key}`);
    expect(byId(c1.id).driver).toBe(`starts 2026-12-02 because ${a.key} finishes 2026-12-01, FS +0 (a link to its summary ${phase.key})`);
    // The phase's due date (Friday) is a deadline for its subtasks, and for A that drives them.
    expect([byId(c2.id).dueSlackDays, byId(c1.id).dueSlackDays, byId(a.id).dueSlackDays]).toEqual([-1, -1, -1]);
    expect(s.late).toEqual([phase.id]);
    expect([s.projectStart, s.projectFinish]).toEqual(["2026-11-30", "2026-12-07"]);
  });

  it("answers an empty project with nulls, and 404 outside the org or a guest's projects", async () => {
    const p = await newProject();
    expect(await schedule(p.id)).toEqual({ projectStart: null, projectFinish: null, criticalPath: [], conflicts: [], late: [], tasks: [] });
    const stranger = (await orgWithOwner(t)).owner;
    expect((await call(t, "GET", `/api/v1/projects/${p.id}/schedule`, { token: stranger.token })).status).toBe(404);
    const guest = await addMember(t, orgId, owner, "guest");
    expect((await call(t, "GET", `/api/v1/projects/${p.id}/schedule`, { token: guest.token })).status).toBe(404);
  });

  it("makes the milestone flag a task field that can be set and cleared", async () => {
    const p = await newProject();
    const m = await newTask(p.id, { milestone: true, dueDate: "2026-12-10" });
    expect((await call(t, "GET", `/api/v1/tasks/${m.id}`, { token: owner.token })).body.milestone).toBe(true);
    const s = await schedule(p.id);
    expect(s.tasks[0]).toMatchObject({ earlyStart: "2026-12-10", durationDays: 0, driver: "is reached 2026-12-10, its date" });
    const patched = await call(t, "PATCH", `/api/v1/tasks/${m.id}`, { token: owner.token, body: { milestone: false } });
    expect(patched.body.milestone).toBe(false);
    expect((await call(t, "PATCH", `/api/v1/tasks/${m.id}`, { token: owner.token, body: { milestone: "yes" } })).status).toBe(400);
  });
});
