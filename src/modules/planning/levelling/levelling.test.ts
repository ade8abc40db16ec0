import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

// Ann has 30 hours elsewhere in 2026-W49, plus this project's T1 (20 h, on the
// critical path through T4) and T2 (16 h on Dec 2-3, 6 days of free slack): 66 h.
let t: TestApp;
let owner: TestUser;
let ann: TestUser;
let bob: TestUser;
let cat: TestUser;
let projectId: string;
let t1: { id: string };
let t2: { id: string };

async function newTask(project: string, body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/projects/${project}/tasks`, { token: owner.token, body: { title: "Work", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

beforeAll(async () => {
  t = await createTestApp();
  let orgId: string;
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  ann = await addMember(t, orgId, owner, "member", "Ann");
  bob = await addMember(t, orgId, owner, "member", "Bob");
  cat = await addMember(t, orgId, owner, "member", "Cat");
  const other = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "OTHER", name: "Other" } })).body.id;
  const week = { startDate: "2026-11-30", dueDate: "2026-12-04" };
  await newTask(other, { ...week, assigneeId: ann.id, estimateHours: 30 });
  await newTask(other, { ...week, assigneeId: bob.id, estimateHours: 35 });
  await newTask(other, { ...week, assigneeId: owner.id, estimateHours: 40 });
  projectId = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "LEV", name: "Levelled" } })).body.id;
  t1 = await newTask(projectId, { ...week, assigneeId: ann.id, estimateHours: 20 });
  t2 = await newTask(projectId, { startDate: "2026-12-02", dueDate: "2026-12-03", assigneeId: ann.id, estimateHours: 16 });
  const t4 = await newTask(projectId, { startDate: "2026-12-07", dueDate: "2026-12-11" });
  expect((await call(t, "POST", `/api/v1/tasks/${t4.id}/dependencies`, { token: owner.token, body: { predecessorId: t1.id, type: "FS" } })).status).toBe(201);
});
afterAll(async () => t.close());

const range = "from=2026-11-30&to=2026-12-13";
const propose = async (extra = "") => {
  const res = await call(t, "GET", `/api/v1/projects/${projectId}/levelling?${range}${extra}`, { token: ann.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

describe("levelling", () => {
  it("delays non-critical work within its slack and never touches the critical path by default", async () => {
    const p = await propose();
    expect(p.before).toEqual([{ userId: ann.id, week: "2026-W49", allocatedHours: 66, capacityHours: 40 }]);
    expect(p.changes).toEqual([
      {
        taskId: t2.id,
        key: "LEV-2",
        kind: "delay",
        startDate: { from: "2026-12-02", to: "2026-12-07" },
        dueDate: { from: "2026-12-03", to: "2026-12-08" },
        delayDays: 3,
        relieves: { userId: ann.id, excessBefore: 26, excessAfter: 10 },
      },
    ]);
    expect(p.after).toEqual([{ userId: ann.id, week: "2026-W49", allocatedHours: 50, capacityHours: 40 }]);
  });

  it("moves a critical task only when asked, and then clears the overallocation", async () => {
    const p = await propose("&includeCritical=true");
    expect(p.changes.map((c: { key: string; kind: string }) => [c.key, c.kind])).toEqual([["LEV-2", "delay"], ["LEV-1", "reassign"]]);
    expect(p.changes[1].assigneeId).toEqual({ from: ann.id, to: cat.id }); // Bob and the owner have no room
    expect(p.after).toEqual([]);
  });

  it("applies exactly the proposal it was shown, in one call", async () => {
    const p = await propose("&includeCritical=true");
    const body = { from: "2026-11-30", to: "2026-12-13", includeCritical: true, basis: p.basis };
    expect((await call(t, "POST", `/api/v1/projects/${projectId}/levelling`, { token: ann.token, body })).status).toBe(403);
    expect((await call(t, "POST", `/api/v1/projects/${projectId}/levelling`, { token: owner.token, body: { ...body, includeCritical: false } })).status).toBe(409);
    const applied = await call(t, "POST", `/api/v1/projects/${projectId}/levelling`, { token: owner.token, body });
    expect(applied.status).toBe(200);
    expect(applied.body.changes).toEqual(p.changes);
    const two = (await call(t, "GET", `/api/v1/tasks/${t2.id}`, { token: owner.token })).body;
    expect([two.startDate, two.dueDate]).toEqual(["2026-12-07", "2026-12-08"]);
    expect((await call(t, "GET", `/api/v1/tasks/${t1.id}`, { token: owner.token })).body.assigneeId).toBe(cat.id);
    const activity = (await call(t, "GET", `/api/v1/tasks/${t1.id}/activity`, { token: owner.token })).body.items;
    expect(activity.at(-1)).toMatchObject({ action: "levelled", actorId: owner.id, changes: { kind: "reassign", assigneeId: { from: ann.id, to: cat.id }, basis: p.basis } });
    expect(await propose()).toMatchObject({ before: [], changes: [], after: [] });
    // The same proposal cannot be applied twice.
    expect((await call(t, "POST", `/api/v1/projects/${projectId}/levelling`, { token: owner.token, body })).status).toBe(409);
  });
});
