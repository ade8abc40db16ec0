import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let viewer: TestUser;
let guest: TestUser;
let orgId: string;
let eng: { id: string; key: string };
let ops: { id: string; key: string };
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
  viewer = await addMember(t, orgId, owner, "member");
  guest = await addMember(t, orgId, owner, "guest");
  eng = await newProject();
  ops = await newProject();
  expect((await call(t, "PUT", `/api/v1/projects/${eng.id}/members/${viewer.id}`, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
  expect((await call(t, "PUT", `/api/v1/projects/${ops.id}/members/${guest.id}`, { token: owner.token, body: { role: "member" } })).status).toBe(200);
});
afterAll(async () => t.close());

async function newProject(): Promise<{ id: string; key: string }> {
  const key = `D${++keySeq}`;
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: `Project ${key}` } });
  expect(res.status).toBe(201);
  return { id: res.body.id, key };
}

async function newTask(projectId: string, title = "Task"): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const link = (successor: string, body: Record<string, unknown>, user = member) => call(t, "POST", `/api/v1/tasks/${successor}/dependencies`, { token: user.token, body });
const linksOf = async (task: string, user = member) => {
  const res = await call(t, "GET", `/api/v1/tasks/${task}/dependencies`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body;
};
const actions = async (task: string) => (await call(t, "GET", `/api/v1/tasks/${task}/activity`, { token: owner.token })).body.items.map((i: { action: string }) => i.action);

describe("adding dependencies", () => {
  it("links two tasks and shows the link from both sides", async () => {
    const design = await newTask(eng.id, "Design");
    const build = await newTask(eng.id, "Build");
    const res = await link(build.key, { predecessorId: design.id, type: "FS", lagDays: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ predecessorId: design.id, predecessorKey: design.key, successorId: build.id, successorKey: build.key, type: "FS", lagDays: 2 });
    expect((await linksOf(build.id)).predecessors).toMatchObject([{ id: res.body.id, type: "FS", lagDays: 2, task: { id: design.id, key: design.key, title: "Design" } }]);
    expect((await linksOf(design.id)).successors).toMatchObject([{ id: res.body.id, task: { id: build.id, key: build.key } }]);
    expect(await actions(build.id)).toContain("dependency_added");
    expect(await actions(design.id)).toContain("successor_added");
  });

  it("links tasks of two projects of the same org, with a lead", async () => {
    const release = await newTask(ops.id, "Release");
    const build = await newTask(eng.id, "Build");
    const res = await link(release.id, { predecessorId: build.id, type: "SS", lagDays: -3 });
    expect(res.status).toBe(201);
    expect((await linksOf(build.key)).successors[0].task).toMatchObject({ key: release.key, projectId: ops.id });
  });

  it("writes the audit record and the outbox event with the link", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    const res = await link(b.id, { predecessorId: a.id, type: "FF" });
    const audit = await t.platform.db.query<{ action: string; changes: Record<string, unknown> }>("select action, changes from audit_log where target_id = $1", [res.body.id]);
    expect(audit.rows).toEqual([{ action: "dependency.create", changes: { predecessor: a.key, successor: b.key, type: "FF", lagDays: 0 } }]);
    const events = await t.platform.db.query<{ type: string }>("select type from outbox_events where data->>'id' = $1", [res.body.id]);
    expect(events.rows.map((e) => e.type)).toEqual(["dependency.created"]);
  });

  it("refuses linking the same two tasks twice", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    expect((await link(b.id, { predecessorId: a.id, type: "FS" })).status).toBe(201);
    const again = await link(b.id, { predecessorId: a.id, type: "SS" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("dependency_exists");
  });

  it("answers 404 for a predecessor in another org, hidden from a guest, or missing", async () => {
    const other = await orgWithOwner(t);
    const theirProject = await call(t, "POST", `/api/v1/orgs/${other.org.id}/projects`, { token: other.owner.token, body: { key: "THEM", name: "Theirs" } });
    const theirs = await call(t, "POST", `/api/v1/projects/${theirProject.body.id}/tasks`, { token: other.owner.token, body: { title: "Secret" } });
    const mine = await newTask(ops.id);
    const cross = await link(mine.id, { predecessorId: theirs.body.id, type: "FS" }, owner);
    expect(cross.status).toBe(404);
    expect(cross.body.errors).toEqual([{ path: "body.predecessorId", message: "is not a task you can see in this organization" }]);
    const hidden = await newTask(eng.id);
    expect((await link(mine.id, { predecessorId: hidden.id, type: "FS" }, guest)).status).toBe(404);
    expect((await link(mine.id, { predecessorId: "00000000-0000-4000-8000-000000000000", type: "FS" })).status).toBe(404);
    // Nor can the other org reach ours.
    expect((await call(t, "GET", `/api/v1/tasks/${mine.id}/dependencies`, { token: other.owner.token })).status).toBe(404);
  });

  it("lets a viewer read links but not add them", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    expect((await link(b.id, { predecessorId: a.id, type: "FS" }, viewer)).status).toBe(403);
    expect((await call(t, "GET", `/api/v1/tasks/${b.id}/dependencies`, { token: viewer.token })).status).toBe(200);
  });

  it("shows a guest only the links to projects they are in", async () => {
    const inOps = await newTask(ops.id);
    const inEng = await newTask(eng.id);
    const alsoOps = await newTask(ops.id);
    expect((await link(inOps.id, { predecessorId: inEng.id, type: "FS" })).status).toBe(201);
    expect((await link(inOps.id, { predecessorId: alsoOps.id, type: "FS" })).status).toBe(201);
    const seen = await linksOf(inOps.id, guest);
    expect(seen.predecessors.map((l: { task: { id: string } }) => l.task.id)).toEqual([alsoOps.id]);
  });

  it("refuses bad input with 400", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    for (const body of [{ predecessorId: a.id, type: "XX" }, { predecessorId: a.id, type: "FS", lagDays: 1001 }, { predecessorId: a.id, type: "FS", lagDays: 1.5 }, { predecessorId: "ENG-1", type: "FS" }, { type: "FS" }]) {
      const res = await link(b.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("cycles", () => {
  it("refuses a link that would close a loop, naming it by task keys in order", async () => {
    const [a, b, c] = [await newTask(eng.id), await newTask(eng.id), await newTask(eng.id)];
    expect((await link(b.id, { predecessorId: a.id, type: "FS" })).status).toBe(201);
    expect((await link(c.id, { predecessorId: b.id, type: "SS" })).status).toBe(201);
    const res = await link(a.id, { predecessorId: c.id, type: "FF" });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("dependency_cycle");
    const loop = `${c.key} → ${a.key} → ${b.key} → ${c.key}`;
    expect(res.body.detail).toContain(loop);
    expect(res.body.errors).toEqual([{ path: "body.predecessorId", message: `would close the loop ${loop}` }]);
    expect((await linksOf(a.id)).predecessors).toEqual([]);
  });

  it("refuses a task depending on itself", async () => {
    const a = await newTask(eng.id);
    const res = await link(a.key, { predecessorId: a.id, type: "SS" });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain(`${a.key} → ${a.key}`);
  });

  it("finds a long loop across projects", async () => {
    const chain: { id: string; key: string }[] = [];
    for (let i = 0; i < 60; i++) chain.push(await newTask(i % 2 === 0 ? eng.id : ops.id));
    for (let i = 1; i < chain.length; i++) expect((await link(chain[i]!.id, { predecessorId: chain[i - 1]!.id, type: "FS" })).status).toBe(201);
    const res = await link(chain[0]!.id, { predecessorId: chain.at(-1)!.id, type: "FS" });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain([chain.at(-1)!, ...chain].map((x) => x.key).join(" → "));
  });
});

describe("loops through summary tasks", () => {
  const subtask = async (parentId: string) => {
    const res = await call(t, "POST", `/api/v1/projects/${eng.id}/tasks`, { token: owner.token, body: { title: "Part", parentId } });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };

  it("refuses linking a task to its own summary, and a loop through a summary's subtasks", async () => {
    const s = await newTask(eng.id, "Phase");
    const [c1, c2] = [await subtask(s.id), await subtask(s.id)];
    const toOwnSummary = await link(s.id, { predecessorId: c1.id, type: "FS" });
    expect(toOwnSummary.status).toBe(422);
    expect(toOwnSummary.body.detail).toContain(`${c1.key} → ${s.key} → ${c1.key}`);
    // After the whole phase, B cannot come before a part of it.
    const b = await newTask(ops.id);
    expect((await link(b.id, { predecessorId: s.id, type: "FS" })).status).toBe(201);
    const res = await link(c2.id, { predecessorId: b.id, type: "SS" });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("dependency_cycle");
    expect(res.body.errors).toEqual([{ path: "body.predecessorId", message: `would close the loop ${b.key} → ${c2.key} → ${s.key} → ${b.key}` }]);
  });

  it("refuses making a task part of a summary it must come before or after", async () => {
    const s = await newTask(eng.id, "Phase");
    await subtask(s.id);
    const before = await newTask(eng.id);
    expect((await link(s.id, { predecessorId: before.id, type: "FS" })).status).toBe(201);
    const res = await call(t, "PATCH", `/api/v1/tasks/${before.id}`, { token: owner.token, body: { parentId: s.id } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("dependency_cycle");
    expect(res.body.errors).toEqual([{ path: "body.parentId", message: `would close the loop ${s.key} → ${before.key} → ${s.key}` }]);
    expect((await call(t, "GET", `/api/v1/tasks/${before.id}`, { token: owner.token })).body.parentId).toBeNull();
    // An unlinked task may join.
    const free = await newTask(eng.id);
    expect((await call(t, "PATCH", `/api/v1/tasks/${free.id}`, { token: owner.token, body: { parentId: s.id } })).status).toBe(200);
  });
});

describe("changing and removing dependencies", () => {
  it("changes type and lag from either end and records the change on both tasks", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(ops.id);
    const created = (await link(b.id, { predecessorId: a.id, type: "FS" })).body;
    const res = await call(t, "PATCH", `/api/v1/tasks/${a.key}/dependencies/${created.id}`, { token: member.token, body: { type: "SF", lagDays: -1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, type: "SF", lagDays: -1, predecessorKey: a.key, successorKey: b.key });
    expect(await actions(b.id)).toContain("dependency_changed");
    expect(await actions(a.id)).toContain("successor_changed");
  });

  it("removes a link from either end, once", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    const created = (await link(b.id, { predecessorId: a.id, type: "FS" })).body;
    const unrelated = await newTask(eng.id);
    expect((await call(t, "DELETE", `/api/v1/tasks/${unrelated.id}/dependencies/${created.id}`, { token: member.token })).status).toBe(404);
    expect((await call(t, "DELETE", `/api/v1/tasks/${a.id}/dependencies/${created.id}`, { token: viewer.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/tasks/${a.id}/dependencies/${created.id}`, { token: member.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/tasks/${b.id}/dependencies/${created.id}`, { token: member.token })).status).toBe(404);
    expect(await linksOf(b.id)).toEqual({ predecessors: [], successors: [] });
    expect(await actions(b.id)).toContain("dependency_removed");
    expect(await actions(a.id)).toContain("successor_removed");
    // Once removed, the reverse link is no longer a loop.
    expect((await link(a.id, { predecessorId: b.id, type: "FS" })).status).toBe(201);
  });

  it("drops a deleted task's links", async () => {
    const a = await newTask(eng.id);
    const b = await newTask(eng.id);
    expect((await link(b.id, { predecessorId: a.id, type: "FS" })).status).toBe(201);
    expect((await call(t, "DELETE", `/api/v1/tasks/${a.id}`, { token: owner.token })).status).toBe(204);
    expect(await linksOf(b.id)).toEqual({ predecessors: [], successors: [] });
  });
});
