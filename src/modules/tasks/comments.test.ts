import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let ada: TestUser;
let bob: TestUser;
let zhang: TestUser;
let outsiderGuest: TestUser;
let stranger: TestUser;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  ada = await addMember(t, orgId, owner, "member", "Ada Lovelace");
  bob = await addMember(t, orgId, owner, "member", "Bobby");
  zhang = await addMember(t, orgId, owner, "member", "张三");
  outsiderGuest = await addMember(t, orgId, owner, "guest", "Gus");
  ({ owner: stranger } = await orgWithOwner(t));
  const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "CMT", name: "Comments" } });
  projectId = project.body.id;
});
afterAll(async () => t.close());

async function createTask(body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function comment(taskRef: string, body: string, user = owner) {
  return call(t, "POST", `/api/v1/tasks/${taskRef}/comments`, { token: user.token, body: { body } });
}

describe("comments", () => {
  it("stores a markdown comment and resolves @email, @name, @\"Full Name\" and Chinese names", async () => {
    const task = await createTask({ title: "Discuss" });
    const body = `**Plan**: ask @"Ada Lovelace" and @${bob.email}; 请@张三看一下. Also @Bobby.`;
    const res = await comment(task.key, body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), taskId: task.id, authorId: owner.id, body, mentions: [ada.id, bob.id, zhang.id], createdAt: expect.any(String) });
  });

  it("does not mention people who cannot see the task, nor plain email addresses", async () => {
    const task = await createTask({ title: "Private-ish" });
    const res = await comment(task.id, `cc @Gus @${outsiderGuest.email} @${stranger.email} and mail ada-x${ada.email}`);
    expect(res.status).toBe(201);
    expect(res.body.mentions).toEqual([]);
  });

  it("emits comment.created with the mentions in the same transaction", async () => {
    const task = await createTask({ title: "Notify" });
    const res = await comment(task.id, "@Bobby please review");
    const events = await t.platform.db.query<{ data: any }>("select data from outbox_events where type = 'comment.created' and data ->> 'id' = $1", [res.body.id]);
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]!.data).toMatchObject({ taskId: task.id, mentions: [bob.id], authorId: owner.id });
  });

  it("refuses an empty, blank or oversized body", async () => {
    const task = await createTask({ title: "Validate" });
    for (const body of [{}, { body: "" }, { body: "  \n " }, { body: "x".repeat(100_001) }, { body: "ok", extra: 1 }]) {
      const res = await call(t, "POST", `/api/v1/tasks/${task.id}/comments`, { token: owner.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    expect((await comment(task.id, "x".repeat(100_000))).status).toBe(201);
  });

  it("lists comments oldest first with a keyset cursor", async () => {
    const task = await createTask({ title: "Thread" });
    for (let i = 0; i < 5; i++) expect((await comment(task.id, `c${i}`, i % 2 ? ada : owner)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await call(t, "GET", `/api/v1/tasks/${task.key}/comments?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: bob.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { body: string }) => c.body));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["c0", "c1", "c2", "c3", "c4"]);
  });
});

describe("activity", () => {
  it("records every change in order, each field old -> new", async () => {
    const task = await createTask({ title: "Track me", priority: "low" });
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: ada.token, body: { title: "Tracked", priority: "high", assigneeId: bob.id } });
    await call(t, "POST", `/api/v1/tasks/${task.id}/move`, { token: ada.token, body: { status: "in_progress" } });
    const c = await comment(task.id, "Started @Bobby", bob);
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "done" } });

    const res = await call(t, "GET", `/api/v1/tasks/${task.key}/activity`, { token: bob.token });
    expect(res.status).toBe(200);
    const items = res.body.items as { at: string; actorId: string; action: string; changes: any }[];
    expect(items.map((i) => [i.action, i.actorId])).toEqual([
      ["created", owner.id],
      ["updated", ada.id],
      ["moved", ada.id],
      ["commented", bob.id],
      ["updated", owner.id],
    ]);
    expect(items[0]!.changes).toMatchObject({ title: { from: null, to: "Track me" }, priority: { from: null, to: "low" }, status: { from: null, to: "todo" } });
    expect(items[1]!.changes).toEqual({
      title: { from: "Track me", to: "Tracked" },
      priority: { from: "low", to: "high" },
      assigneeId: { from: null, to: bob.id },
    });
    expect(items[2]!.changes.status).toEqual({ from: "todo", to: "in_progress" });
    expect(items[2]!.changes.rank).toBeDefined();
    expect(items[3]!.changes).toEqual({ commentId: c.body.id, mentions: [bob.id] });
    expect(items[4]!.changes).toEqual({ status: { from: "in_progress", to: "done" }, progress: { from: 0, to: 100 } });
    expect(new Date(items[4]!.at).getTime()).toBeGreaterThanOrEqual(new Date(items[0]!.at).getTime());

    const first = await call(t, "GET", `/api/v1/tasks/${task.id}/activity?limit=3`, { token: bob.token });
    const rest = await call(t, "GET", `/api/v1/tasks/${task.id}/activity?limit=3&cursor=${first.body.nextCursor}`, { token: bob.token });
    expect([...first.body.items, ...rest.body.items].map((i: { action: string }) => i.action)).toEqual(items.map((i) => i.action));
    expect(rest.body.nextCursor).toBeNull();
  });

  it("writes nothing for a change that changes nothing", async () => {
    const task = await createTask({ title: "Idle" });
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { title: "Idle", labels: [] } });
    const res = await call(t, "GET", `/api/v1/tasks/${task.id}/activity`, { token: owner.token });
    expect(res.body.items.map((i: { action: string }) => i.action)).toEqual(["created"]);
  });
});
