import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "../../../app.js";
import { createLogger } from "../../../platform/logger.js";
import { createTestApp, testMode, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
// A second node on the same database (PostgreSQL only: PGlite is one process's).
let other: BuiltApp | TestApp;
let owner: TestUser;
let member: TestUser;
let viewer: TestUser;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  other = testMode === "postgres" ? await buildApp(t.config, { log: createLogger("silent") }) : t;
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
  viewer = await addMember(t, orgId, owner, "member");
  projectId = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "REC", name: "Recurring" } })).body.id;
  expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${viewer.id}`, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
});
afterAll(async () => {
  if (other !== t) await other.app.close();
  await t.close();
});

const create = (body: Record<string, unknown>, user = member) => call(t, "POST", `/api/v1/projects/${projectId}/recurrences`, { token: user.token, body });
const tick = (node: BuiltApp | TestApp, day: string) => node.services.planning.recurrences.createDue(new Date(`${day}T08:00:00Z`));
// By occurrence date: tasks made in one tick share their creation time.
const tasksTitled = async (title: string) =>
  (await call(t, "GET", `/api/v1/projects/${projectId}/tasks?limit=200`, { token: owner.token })).body.items
    .filter((x: { title: string }) => x.title === title)
    .sort((a: { startDate: string }, b: { startDate: string }) => (a.startDate < b.startDate ? -1 : 1));

describe("recurring tasks", () => {
  it("creates one task per occurrence on its day, exactly once with two schedulers racing", async () => {
    const res = await create({
      template: { title: "Weekly report", assigneeId: member.id, labels: ["ops"], estimateHours: 2, dueAfterDays: 1 },
      rule: { freq: "weekly", weekdays: [4, 1] },
      startDate: "2026-11-30",
      count: 5,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ createdBy: member.id, nextDate: "2026-11-30", createdCount: 0, count: 5 });

    expect(await tick(t, "2026-12-03")).toEqual({ created: 2, stopped: 0 });
    const first = await tasksTitled("Weekly report");
    expect(first.map((x: any) => [x.startDate, x.dueDate, x.assigneeId, x.reporterId, x.labels])).toEqual([
      ["2026-11-30", "2026-12-01", member.id, member.id, ["ops"]],
      ["2026-12-03", "2026-12-04", member.id, member.id, ["ops"]],
    ]);

    const raced = await Promise.all([tick(t, "2026-12-10"), tick(other, "2026-12-10"), tick(t, "2026-12-10")]);
    expect(raced.reduce((n, r) => n + r.created, 0)).toBe(2);
    expect(await tick(other, "2026-12-31")).toEqual({ created: 1, stopped: 0 }); // the fifth and last
    expect(await tick(t, "2027-03-01")).toEqual({ created: 0, stopped: 0 });

    const all = await tasksTitled("Weekly report");
    expect(all.map((x: { startDate: string }) => x.startDate)).toEqual(["2026-11-30", "2026-12-03", "2026-12-07", "2026-12-10", "2026-12-14"]);
    const occurrences = await t.services.planning.recurrences.occurrences(res.body.id);
    expect(occurrences.map((o) => o.task_id).sort()).toEqual(all.map((x: { id: string }) => x.id).sort());
    const listed = (await call(t, "GET", `/api/v1/projects/${projectId}/recurrences`, { token: viewer.token })).body.items;
    expect(listed.find((r: { id: string }) => r.id === res.body.id)).toMatchObject({ createdCount: 5, lastDate: "2026-12-14", nextDate: null });
  });

  it("catches up on missed days and refuses series that cannot happen", async () => {
    const res = await create({ template: { title: "Daily standup" }, rule: { freq: "daily", interval: 2 }, startDate: "2027-01-01", endDate: "2027-01-09" });
    expect(res.status).toBe(201);
    expect((await tick(t, "2027-01-06")).created).toBe(3);
    expect((await tick(t, "2027-01-20")).created).toBe(2);
    expect((await tasksTitled("Daily standup")).map((x: { dueDate: string }) => x.dueDate)).toEqual(["2027-01-01", "2027-01-03", "2027-01-05", "2027-01-07", "2027-01-09"]);
    expect((await create({ template: { title: "x" }, rule: { freq: "daily" }, startDate: "2027-01-05", endDate: "2027-01-01" })).status).toBe(422);
    expect((await create({ template: { title: "x" }, rule: { freq: "weekly", weekdays: [8] }, startDate: "2027-01-05" })).status).toBe(400);
    expect((await create({ template: { title: "x" }, rule: { freq: "hourly" }, startDate: "2027-01-05" })).status).toBe(400);
    expect((await create({ template: { title: "x" }, rule: { freq: "daily" }, startDate: "2027-01-05" }, viewer)).status).toBe(403);
  });

  it("is stopped by its creator or a manager, and ends when its creator leaves", async () => {
    const a = (await create({ template: { title: "Stop me" }, rule: { freq: "monthly" }, startDate: "2027-02-01" })).body;
    expect((await call(t, "DELETE", `/api/v1/projects/${projectId}/recurrences/${a.id}`, { token: viewer.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/projects/${projectId}/recurrences/${a.id}`, { token: member.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/projects/${projectId}/recurrences/${a.id}`, { token: owner.token })).status).toBe(404);

    const leaver = await addMember(t, orgId, owner, "member");
    const b = (await create({ template: { title: "Orphan" }, rule: { freq: "monthly" }, startDate: "2027-03-01" }, leaver)).body;
    expect((await call(t, "DELETE", `/api/v1/orgs/${orgId}/members/${leaver.id}`, { token: owner.token })).status).toBe(204);
    expect(await tick(t, "2027-03-02")).toEqual({ created: 0, stopped: 1 });
    const listed = (await call(t, "GET", `/api/v1/projects/${projectId}/recurrences`, { token: owner.token })).body.items;
    expect(listed.find((r: { id: string }) => r.id === b.id).nextDate).toBeNull();
    expect(await tasksTitled("Orphan")).toEqual([]);
  });
});
