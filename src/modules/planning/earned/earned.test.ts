import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

// The hand-computed case of value.test.ts through HTTP and the database, in March 2025.
// Progress changes are made through the API, then their activity entries are moved to
// the days they are meant to have happened on (the API can only record "now").

let t: TestApp;
let owner: TestUser;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
});
afterAll(async () => t.close());

async function newTask(projectId: string, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "Work", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const patch = async (id: string, body: Record<string, unknown>) => expect((await call(t, "PATCH", `/api/v1/tasks/${id}`, { token: owner.token, body })).status).toBe(200);
const log = async (id: string, date: string, hours: number) => expect((await call(t, "POST", `/api/v1/tasks/${id}/worklogs`, { token: owner.token, body: { date, hours } })).status).toBe(201);

/** Dates the task's creation and its activity entries, oldest first, as if they had happened then. */
async function backdate(taskId: string, created: string, changes: string[]) {
  await t.platform.db.query("update tasks set created_at = $2::date where id = $1", [taskId, created]);
  const rows = await t.platform.db.query<{ id: string }>("select id from task_activity where task_id = $1 order by id", [taskId]);
  const days = [created, ...changes];
  expect(rows.rows.length).toBe(days.length);
  for (const [i, row] of rows.rows.entries()) await t.platform.db.query("update task_activity set at = $2::date + interval '12 hours' where id = $1", [row.id, days[i]]);
}

const earned = (projectId: string, query: string, user = owner) => call(t, "GET", `/api/v1/projects/${projectId}/earned-value?${query}`, { token: user.token });

describe("GET /projects/{id}/earned-value", () => {
  it("plans, earns and spends hours week by week, from the schedule, the activity and the worklogs", async () => {
    const project = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "EV", name: "Earned" } })).body;
    // A (40 h) Mon 03-03..Fri 03-07; B (20 h) Thu 03-06..Wed 03-12; C (30 h, part of a phase) Mon 03-17..Wed 03-19.
    const a = await newTask(project.id, { startDate: "2025-03-03", dueDate: "2025-03-07", estimateHours: 40 });
    const b = await newTask(project.id, { startDate: "2025-03-06", dueDate: "2025-03-12", estimateHours: 20 });
    const phase = await newTask(project.id, { title: "Phase", estimateHours: 99 });
    const c = await newTask(project.id, { startDate: "2025-03-17", dueDate: "2025-03-19", estimateHours: 30, parentId: phase.id });
    await patch(a.id, { progress: 50 });
    await patch(a.id, { progress: 100 });
    await patch(b.id, { progress: 25 });
    await patch(b.id, { progress: 60 });
    await backdate(a.id, "2025-02-25", ["2025-03-05", "2025-03-08"]);
    await backdate(b.id, "2025-02-25", ["2025-03-11", "2025-03-14"]);
    await backdate(c.id, "2025-03-13", []);
    for (const [date, hours] of [["2025-03-03", 6], ["2025-03-04", 8], ["2025-03-06", 10], ["2025-03-07", 12], ["2025-03-11", 8], ["2025-03-13", 6]] as const) {
      await log(date < "2025-03-06" ? a.id : b.id, date, hours);
    }

    const res = await earned(project.id, "from=2025-03-03&to=2025-03-23&interval=week");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ projectId: project.id, baselineId: null, interval: "week", budgetHours: 90 });
    expect(res.body.periods).toEqual([
      { label: "2025-W10", start: "2025-03-03", end: "2025-03-09", plannedValue: 48, earnedValue: 40, actualCost: 36, scheduleVariance: -8, costVariance: 4, spi: 0.83, cpi: 1.11 },
      { label: "2025-W11", start: "2025-03-10", end: "2025-03-16", plannedValue: 60, earnedValue: 52, actualCost: 50, scheduleVariance: -8, costVariance: 2, spi: 0.87, cpi: 1.04 },
      { label: "2025-W12", start: "2025-03-17", end: "2025-03-23", plannedValue: 90, earnedValue: 52, actualCost: 50, scheduleVariance: -38, costVariance: 2, spi: 0.58, cpi: 1.04 },
    ]);

    // A baseline keeps the plan: A re-estimated to 60 h and C moved a week later change the
    // current figures, not the baseline's.
    const baseline = (await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { token: owner.token, body: { name: "March" } })).body;
    await patch(a.id, { estimateHours: 60 });
    await patch(c.id, { startDate: "2025-03-24", dueDate: "2025-03-26" });
    const now = (await earned(project.id, "from=2025-03-03&to=2025-03-23")).body;
    expect(now.periods.map((p: { plannedValue: number; earnedValue: number }) => [p.plannedValue, p.earnedValue])).toEqual([[68, 60], [80, 72], [80, 72]]);
    expect(now.budgetHours).toBe(110);
    const planned = (await earned(project.id, `from=2025-03-03&to=2025-03-23&baselineId=${baseline.id}`)).body;
    expect(planned).toMatchObject({ baselineId: baseline.id, budgetHours: 90 });
    expect(planned.periods.map((p: { plannedValue: number; earnedValue: number; spi: number }) => [p.plannedValue, p.earnedValue, p.spi])).toEqual([[48, 40, 0.83], [60, 52, 0.87], [90, 52, 0.58]]);

    const months = (await earned(project.id, "from=2025-02-15&to=2025-03-31&interval=month")).body.periods;
    expect(months.map((p: { label: string; plannedValue: number; actualCost: number }) => [p.label, p.plannedValue, p.actualCost])).toEqual([["2025-02", 0, 0], ["2025-03", 110, 50]]);
  });

  it("shows only the plan for periods that end after today", async () => {
    const project = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "EW", name: "Ahead" } })).body;
    await newTask(project.id, { startDate: "2099-01-05", dueDate: "2099-01-09", estimateHours: 10 });
    const res = await earned(project.id, "from=2099-01-05&to=2099-01-11");
    expect(res.body.periods).toEqual([
      { label: "2099-W02", start: "2099-01-05", end: "2099-01-11", plannedValue: 10, earnedValue: null, actualCost: null, scheduleVariance: null, costVariance: null, spi: null, cpi: null },
    ]);
  });

  it("refuses bad ranges, a baseline of another project, and people outside the project", async () => {
    const project = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "EX", name: "Guarded" } })).body;
    const other = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "EY", name: "Other" } })).body;
    const otherBaseline = (await call(t, "POST", `/api/v1/projects/${other.id}/baselines`, { token: owner.token, body: { name: "B" } })).body;
    expect((await earned(project.id, "from=2025-03-10&to=2025-03-01")).status).toBe(400);
    expect((await earned(project.id, "from=2025-01-01&to=2026-01-02&interval=day")).status).toBe(400);
    expect((await earned(project.id, "from=2025-01-01&to=2026-01-01&interval=day")).status).toBe(200);
    expect((await earned(project.id, "from=2025-01-01&to=2025-01-02&interval=year")).status).toBe(400);
    expect((await earned(project.id, `from=2025-01-01&to=2025-01-02&baselineId=${otherBaseline.id}`)).status).toBe(404);
    const stranger = (await orgWithOwner(t)).owner;
    expect((await earned(project.id, "from=2025-01-01&to=2025-01-02", stranger)).status).toBe(404);
    const guest = await addMember(t, orgId, owner, "guest");
    expect((await earned(project.id, "from=2025-01-01&to=2025-01-02", guest)).status).toBe(404);
  });
});
