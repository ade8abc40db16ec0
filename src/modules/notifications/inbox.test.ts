import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, createOrg, signup, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { inbox, settle, setPreferences, unreadCount } from "./testkit.js";

// The inbox through HTTP: lists, unread count, marking read, preferences that turn
// channels off, and due-date reminders that go out once however many schedulers run.

let t: TestApp;
let boss: TestUser;
let worker: TestUser;
let other: TestUser;
let projectId: string;

beforeAll(async () => {
  // No cron role: the reminder test runs the schedulers itself, at the times it chooses.
  t = await createTestApp({ PLINTH_ROLES: "api,worker,realtime" });
  boss = await signup(t, { name: "Boss" });
  const orgId = (await createOrg(t, boss)).id;
  worker = await addMember(t, orgId, boss, "member", "Worker");
  other = await addMember(t, orgId, boss, "member", "Other");
  projectId = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: boss.token, body: { key: "OPS", name: "Operations" } })).body.id;
});
afterAll(async () => t.close());

async function assign(to: TestUser, title: string, extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: boss.token, body: { title, assigneeId: to.id, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const read = (user: TestUser, body: unknown) => call(t, "POST", "/api/v1/me/notifications/read", { token: user.token, body });

describe("inbox", () => {
  it("counts unread notifications, marks some or all read, and ignores ids of other users", async () => {
    await assign(worker, "One");
    await assign(worker, "Two");
    await assign(worker, "Three");
    await assign(other, "Someone else's");
    await settle(t);
    expect(await unreadCount(t, worker)).toBe(3);
    const [newest, middle] = await inbox(t, worker);
    expect(newest!.title).toContain("Three");

    expect((await read(worker, { ids: [newest!.id] })).status).toBe(204);
    expect(await unreadCount(t, worker)).toBe(2);
    const unread = await inbox(t, worker, { query: "unread=true" });
    expect(unread.map((n) => n.id)).not.toContain(newest!.id);
    expect(unread).toHaveLength(2);
    const all = await inbox(t, worker);
    expect(all).toHaveLength(3);
    expect(all.find((n) => n.id === newest!.id)!.readAt).not.toBeNull();

    const [theirs] = await inbox(t, other);
    expect((await read(worker, { ids: [theirs!.id, middle!.id] })).status).toBe(204);
    expect(await unreadCount(t, other)).toBe(1);
    expect(await unreadCount(t, worker)).toBe(1);

    expect((await read(worker, { all: true })).status).toBe(204);
    expect(await unreadCount(t, worker)).toBe(0);
    expect(await inbox(t, worker, { query: "unread=true" })).toEqual([]);
  });

  it("refuses a read request that is not exactly one of ids or all: true", async () => {
    for (const body of [{}, { all: true, ids: ["4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13"] }, { all: false }, { ids: [] }, { ids: ["nope"] }]) {
      const res = await read(worker, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("validation_failed");
    }
  });

  it("pages newest first with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await call(t, "GET", `/api/v1/me/notifications?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: worker.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((n) => n.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual((await inbox(t, worker)).map((n) => n.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call(t, "GET", "/api/v1/me/notifications?cursor=WzEsMl0", { token: worker.token })).status).toBe(400);
  });
});

describe("preferences", () => {
  it("starts with every channel on and immediate e-mail (unavailable without SMTP)", async () => {
    const res = await call(t, "GET", "/api/v1/me/notification-preferences", { token: other.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ emailMode: "immediate", emailAvailable: false });
    expect(res.body.types).toContainEqual({ type: "task.assigned", inApp: true, email: true });
    expect(res.body.types.every((p: { inApp: boolean; email: boolean }) => p.inApp && p.email)).toBe(true);
  });

  it("turns a type's in-app channel off, keeping the others", async () => {
    const doc = await setPreferences(t, other, { emailMode: "digest", types: [{ type: "task.assigned", inApp: false }] });
    expect(doc.emailMode).toBe("digest");
    expect(doc.types).toContainEqual({ type: "task.assigned", inApp: false, email: true });
    expect(doc.types).toContainEqual({ type: "task.mentioned", inApp: true, email: true });
    const before = (await inbox(t, other)).length;
    const task = await assign(other, "Quietly assigned");
    const commented = await call(t, "POST", `/api/v1/tasks/${task.key}/comments`, { token: boss.token, body: { body: "@Other see this" } });
    expect(commented.status).toBe(201);
    await settle(t);
    const now = await inbox(t, other);
    expect(now).toHaveLength(before + 1);
    expect(now[0]!.type).toBe("task.mentioned");
    // A later change of the other fields keeps this one.
    const again = await setPreferences(t, other, { types: [{ type: "task.mentioned", email: false }] });
    expect(again.types).toContainEqual({ type: "task.assigned", inApp: false, email: true });
    expect(again.emailMode).toBe("digest");
  });

  it("refuses unknown types and modes", async () => {
    for (const body of [{ emailMode: "weekly" }, { types: [{ type: "task.exploded", inApp: false }] }, { types: [{ type: "task.assigned", sms: true }] }]) {
      expect((await call(t, "PUT", "/api/v1/me/notification-preferences", { token: other.token, body })).status).toBe(400);
    }
  });
});

describe("due-date reminders", () => {
  const day = (d: Date, plus: number) => new Date(d.getTime() + plus * 86_400_000).toISOString().slice(0, 10);
  const reminders = async (user: TestUser, key: string) => (await inbox(t, user)).filter((n) => n.link === `/tasks/${key}` && (n.type === "task.due_soon" || n.type === "task.overdue"));

  it("reminds the assignee once per task and due date even with two schedulers racing", async () => {
    const now = new Date();
    const task = await assign(worker, "Ship it", { dueDate: day(now, 1) });
    const done = await assign(worker, "Already done", { dueDate: day(now, 1), status: "done" });
    await settle(t);
    const runs = await Promise.all([t.services.notifications.reminders.run(now), t.services.notifications.reminders.run(now)]);
    expect(runs.map((r) => r.reminded).sort()).toEqual([0, 1]);
    await t.services.notifications.reminders.run(now);
    await settle(t);
    const soon = await reminders(worker, task.key);
    expect(soon.map((n) => n.type)).toEqual(["task.due_soon"]);
    expect(soon[0]!.title).toBe(`任务 ${task.key}「Ship it」将于 ${day(now, 1)} 到期`);
    expect(await reminders(worker, done.key)).toEqual([]);

    // Two days later it is overdue: one more reminder, once.
    const later = new Date(now.getTime() + 2 * 86_400_000);
    await Promise.all([t.services.notifications.reminders.run(later), t.services.notifications.reminders.run(later)]);
    await settle(t);
    expect((await reminders(worker, task.key)).map((n) => n.type)).toEqual(["task.overdue", "task.due_soon"]);

    // A new due date is a new reminder.
    const moved = await call(t, "PATCH", `/api/v1/tasks/${task.key}`, { token: boss.token, body: { dueDate: day(now, 0) } });
    expect(moved.status).toBe(200);
    await Promise.all([t.services.notifications.reminders.run(now), t.services.notifications.reminders.run(now)]);
    await settle(t);
    expect((await reminders(worker, task.key)).map((n) => n.type)).toEqual(["task.due_soon", "task.overdue", "task.due_soon"]);
  });
});
