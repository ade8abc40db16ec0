import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

// The known case of allocate.test.ts, built through the API: weeks 2026-W49 and W50.

let t: TestApp;
let owner: TestUser;
let ann: TestUser;
let bob: TestUser;
let guest: TestUser;
let orgId: string;
let p1: string;
let p2: string;

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

async function newProject(key: string): Promise<string> {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: key } });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function newTask(projectId: string, body: Record<string, unknown>): Promise<string> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "Work", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  ann = await addMember(t, orgId, owner, "member", "Ann");
  bob = await addMember(t, orgId, owner, "member", "Bob");
  guest = await addMember(t, orgId, owner, "guest", "Gus");
  expect((await call(t, "PUT", `/api/v1/orgs/${orgId}/calendar/users/${bob.id}`, { token: owner.token, body: { hoursPerDay: 4, workingWeekdays: [1, 2, 3] } })).status).toBe(200);
  expect((await call(t, "POST", `/api/v1/orgs/${orgId}/calendar/users/${bob.id}/time-off`, { token: bob.token, body: { startDate: "2026-12-09", endDate: "2026-12-09" } })).status).toBe(201);
  p1 = await newProject("ONE");
  p2 = await newProject("TWO");
  // 48 estimated, 8 already worked: 40 remain over 8 working days.
  const t1 = await newTask(p1, { assigneeId: ann.id, startDate: "2026-11-30", dueDate: "2026-12-09", estimateHours: 48 });
  expect((await call(t, "POST", `/api/v1/tasks/${t1}/worklogs`, { token: ann.token, body: { hours: 8, date: yesterday } })).status).toBe(201);
  await newTask(p1, { assigneeId: ann.id, startDate: "2026-12-03", estimateHours: 20 });
  await newTask(p2, { assigneeId: ann.id, dueDate: "2026-12-11", estimateHours: 24 });
  await newTask(p1, { assigneeId: ann.id, estimateHours: 10 });
  await newTask(p1, { assigneeId: ann.id, status: "done", startDate: "2026-12-01", dueDate: "2026-12-01", estimateHours: 100 });
  await newTask(p1, { assigneeId: ann.id, startDate: "2026-12-01", dueDate: "2026-12-01" }); // no estimate: nothing to allocate
  await newTask(p1, { assigneeId: bob.id, startDate: "2026-12-01", dueDate: "2026-12-10", estimateHours: 18 });
  await newTask(p1, { assigneeId: bob.id, startDate: "2026-12-10", dueDate: "2026-12-10", estimateHours: 3 });
});
afterAll(async () => t.close());

const workload = (query: string, user = owner) => call(t, "GET", `/api/v1/orgs/${orgId}/workload?${query}`, { token: user.token });
const weeksOf = (body: { users: { userId: string; weeks: unknown[] }[] }, user: TestUser) => body.users.find((u) => u.userId === user.id)!.weeks;

describe("GET /orgs/{id}/workload", () => {
  it("allocates remaining estimates per person per week against capacity", async () => {
    const res = await workload("from=2026-12-02&to=2026-12-08");
    expect(res.status).toBe(200);
    expect(res.body.weeks).toEqual([
      { week: "2026-W49", start: "2026-11-30", end: "2026-12-06" },
      { week: "2026-W50", start: "2026-12-07", end: "2026-12-13" },
    ]);
    expect(res.body.users.map((u: { name: string }) => u.name)).toEqual(["Ann", "Bob", "Gus", owner.name]);
    expect(weeksOf(res.body, ann)).toEqual([
      { week: "2026-W49", capacityHours: 40, allocatedHours: 38.33, totalAllocatedHours: 38.33, overallocated: false },
      { week: "2026-W50", capacityHours: 40, allocatedHours: 45.67, totalAllocatedHours: 45.67, overallocated: true },
    ]);
    expect(res.body.users.find((u: { userId: string }) => u.userId === ann.id).unscheduledHours).toBe(10);
    expect(weeksOf(res.body, bob)).toEqual([
      { week: "2026-W49", capacityHours: 12, allocatedHours: 9, totalAllocatedHours: 9, overallocated: false },
      { week: "2026-W50", capacityHours: 8, allocatedHours: 12, totalAllocatedHours: 12, overallocated: true },
    ]);
    expect(weeksOf(res.body, owner)).toEqual([
      { week: "2026-W49", capacityHours: 40, allocatedHours: 0, totalAllocatedHours: 0, overallocated: false },
      { week: "2026-W50", capacityHours: 40, allocatedHours: 0, totalAllocatedHours: 0, overallocated: false },
    ]);
  });

  it("shows one project's allocation, still flagging people overloaded elsewhere", async () => {
    const res = await workload(`from=2026-12-02&to=2026-12-08&projectId=${p2}`);
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: { name: string }) => u.name).sort()).toEqual(["Ann", owner.name].sort());
    expect(weeksOf(res.body, ann).map((w: any) => [w.allocatedHours, w.totalAllocatedHours, w.overallocated])).toEqual([
      [0, 38.33, false],
      [24, 45.67, true],
    ]);
  });

  it("follows the org calendar's holidays", async () => {
    expect((await call(t, "PUT", `/api/v1/orgs/${orgId}/calendar/days/2026-12-07`, { token: owner.token, body: { working: false, name: "Offsite" } })).status).toBe(200);
    const res = await workload("from=2026-12-07&to=2026-12-07");
    // Ann: 40 h over 7 days, 2 of them in W50 (11.43); 20 h over Thu, Fri, Tue (6.67); 24 h on Wed-Fri.
    expect(weeksOf(res.body, ann)).toEqual([{ week: "2026-W50", capacityHours: 32, allocatedHours: 42.1, totalAllocatedHours: 42.1, overallocated: true }]);
    expect((await call(t, "DELETE", `/api/v1/orgs/${orgId}/calendar/days/2026-12-07`, { token: owner.token })).status).toBe(204);
  });

  it("refuses bad ranges, guests, other orgs and their projects", async () => {
    expect((await workload("from=2026-12-08&to=2026-12-02")).status).toBe(400);
    expect((await workload("from=2026-01-01&to=2027-03-01")).status).toBe(400);
    expect((await workload("from=2026-12-01")).status).toBe(400);
    expect((await workload("from=2026-12-02&to=2026-12-08", guest)).status).toBe(403);
    const other = await orgWithOwner(t);
    expect((await workload("from=2026-12-02&to=2026-12-08", other.owner)).status).toBe(404);
    const theirs = await call(t, "POST", `/api/v1/orgs/${other.org.id}/projects`, { token: other.owner.token, body: { key: "ELSE", name: "Else" } });
    expect((await workload(`from=2026-12-02&to=2026-12-08&projectId=${theirs.body.id}`)).status).toBe(404);
  });
});
