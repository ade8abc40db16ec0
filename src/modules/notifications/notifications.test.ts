import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, createOrg, signup, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import type { RelayedEvent } from "../../platform/events/types.js";
import { OutboxRelay } from "../../platform/events/relay.js";
import { approvalNode, createFlow, started, acted, pendingTaskOf } from "../approvals/testkit.js";
import { inbox, settle, setLocale, until, type InboxItem } from "./testkit.js";

// Committed task and approval events become notifications for exactly the right
// people: the assignee, the mentioned, the watchers, the approvers and the
// initiator; never the person who acted, and never twice for one event.

let t: TestApp;
let zhang: TestUser; // org owner, reporter of the tasks below
let li: TestUser; // assignee
let wang: TestUser; // explicit watcher
let zhao: TestUser; // gets mentioned
let orgId: string;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  zhang = await signup(t, { name: "张三" });
  orgId = (await createOrg(t, zhang)).id;
  li = await addMember(t, orgId, zhang, "member", "李四");
  wang = await addMember(t, orgId, zhang, "member", "王五");
  zhao = await addMember(t, orgId, zhang, "member", "赵六");
  const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: zhang.token, body: { key: "ENG", name: "Engineering" } });
  projectId = project.body.id;
});
afterAll(async () => t.close());

async function createTask(by: TestUser, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: by.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function patchTask(by: TestUser, key: string, body: Record<string, unknown>): Promise<void> {
  const res = await call(t, "PATCH", `/api/v1/tasks/${key}`, { token: by.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function comment(by: TestUser, key: string, body: string): Promise<void> {
  const res = await call(t, "POST", `/api/v1/tasks/${key}/comments`, { token: by.token, body: { body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A user's notifications about one task (or approval), newest first. */
async function about(user: TestUser, link: string, language?: string): Promise<InboxItem[]> {
  return (await inbox(t, user, language ? { language } : {})).filter((n) => n.link === link);
}
const types = (items: InboxItem[]) => items.map((n) => n.type);

describe("task notifications", () => {
  it("tells the assignee of a new task, in their language, and not the creator", async () => {
    const task = await createTask(zhang, { title: "修复登录", assigneeId: li.id, dueDate: "2030-01-15" });
    await settle(t);
    const [n, ...rest] = await about(li, `/tasks/${task.key}`);
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ type: "task.assigned", title: `张三 把任务 ${task.key}「修复登录」分配给了你`, body: "截止日期：2030-01-15", readAt: null });
    const [english] = await about(li, `/tasks/${task.key}`, "en-US,en;q=0.9");
    expect(english).toMatchObject({ id: n!.id, title: `张三 assigned ${task.key} "修复登录" to you`, body: "Due 2030-01-15" });
    await setLocale(t, li, "en");
    expect((await about(li, `/tasks/${task.key}`))[0]!.title).toBe(`张三 assigned ${task.key} "修复登录" to you`);
    await setLocale(t, li, "zh-CN");
    expect(await about(zhang, `/tasks/${task.key}`)).toEqual([]);
  });

  it("tells a new assignee on reassignment, and nobody about assigning themselves", async () => {
    const task = await createTask(zhang, { title: "Reassign me", assigneeId: li.id });
    await patchTask(zhang, task.key, { assigneeId: wang.id });
    await settle(t);
    expect(types(await about(wang, `/tasks/${task.key}`))).toEqual(["task.assigned"]);
    expect(types(await about(li, `/tasks/${task.key}`))).toEqual(["task.assigned"]);

    await patchTask(zhao, task.key, { assigneeId: zhao.id });
    await settle(t);
    expect(await about(zhao, `/tasks/${task.key}`)).toEqual([]);
    expect(await about(zhang, `/tasks/${task.key}`)).toEqual([]);
  });

  it("tells mentioned users they were mentioned, and the other watchers that someone commented", async () => {
    const task = await createTask(zhang, { title: "Mentions", assigneeId: li.id });
    await settle(t);
    await comment(wang, task.key, `请@赵六看一下 <b>now</b>`);
    await settle(t);
    const [mention, ...more] = await about(zhao, `/tasks/${task.key}`);
    expect(more).toEqual([]);
    expect(mention).toMatchObject({ type: "task.mentioned", title: `王五 在 ${task.key}「Mentions」的评论中提到了你`, body: "请@赵六看一下 <b>now</b>" });
    // Reporter and assignee watch automatically; the commenter hears nothing about their own comment.
    expect(types(await about(zhang, `/tasks/${task.key}`))).toEqual(["task.commented"]);
    expect(types(await about(li, `/tasks/${task.key}`))).toEqual(["task.commented", "task.assigned"]);
    expect(await about(wang, `/tasks/${task.key}`)).toEqual([]);
  });

  it("tells explicit watchers about comments and status changes, until they unwatch", async () => {
    const task = await createTask(zhang, { title: "Watch me", assigneeId: li.id });
    expect((await call(t, "POST", `/api/v1/tasks/${task.key}/watch`, { token: wang.token })).status).toBe(204);
    await comment(li, task.key, "Started on it");
    await patchTask(li, task.key, { status: "in_progress" });
    await settle(t);
    const seen = await about(wang, `/tasks/${task.key}`, "en");
    expect(types(seen)).toEqual(["task.status_changed", "task.commented"]);
    expect(seen[0]!.title).toBe(`李四 moved ${task.key} "Watch me" from To do to In progress`);
    expect(seen[1]!.title).toBe(`李四 commented on ${task.key} "Watch me", which you watch`);
    expect(types(await about(zhang, `/tasks/${task.key}`))).toEqual(["task.status_changed", "task.commented"]);
    expect(types(await about(li, `/tasks/${task.key}`))).toEqual(["task.assigned"]);

    const watchers = await call(t, "GET", `/api/v1/tasks/${task.key}/watchers`, { token: zhao.token });
    expect(watchers.status).toBe(200);
    const reasons = Object.fromEntries(watchers.body.items.map((w: { userId: string; reasons: string[] }) => [w.userId, w.reasons]));
    expect(reasons).toEqual({ [zhang.id]: ["reporter"], [li.id]: ["assignee"], [wang.id]: ["explicit"] });

    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}/watch`, { token: wang.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.key}/watch`, { token: zhang.token })).status).toBe(204);
    await patchTask(li, task.key, { status: "in_review" });
    await settle(t);
    expect(types(await about(wang, `/tasks/${task.key}`))).toHaveLength(2);
    expect(types(await about(zhang, `/tasks/${task.key}`))).toHaveLength(2); // an unwatch silences reporting too
    const after = await call(t, "GET", `/api/v1/tasks/${task.key}/watchers`, { token: li.token });
    expect(after.body.items.map((w: { userId: string }) => w.userId)).toEqual([li.id]);
  });

  it("answers 404 for watching a task of another org or one that does not exist", async () => {
    const task = await createTask(zhang, { title: "Private" });
    const outsider = await signup(t);
    await createOrg(t, outsider);
    for (const [method, path] of [["POST", "watch"], ["DELETE", "watch"], ["GET", "watchers"]] as const) {
      expect((await call(t, method, `/api/v1/tasks/${task.id}/${path}`, { token: outsider.token })).status).toBe(404);
      expect((await call(t, method, `/api/v1/tasks/ENG-99999/${path}`, { token: zhang.token })).status).toBe(404);
    }
  });
});

describe("approval notifications", () => {
  it("tells approvers a request waits for them, and the initiator how it was decided", async () => {
    const flowKey = await createFlow(t, zhang, orgId, { nodes: [approvalNode("lead", "any", [li.id, wang.id])] });
    const instance = await started(t, zhao, orgId, { flowKey, title: "买一台显示器" });
    await settle(t);
    const link = `/approvals/${instance.id}`;
    for (const approver of [li, wang]) {
      const [n, ...rest] = await about(approver, link);
      expect(rest).toEqual([]);
      expect(n).toMatchObject({ type: "approval.assigned", title: "赵六 提交的审批「买一台显示器」等待你审批" });
    }
    expect(await about(zhao, link)).toEqual([]);

    await acted(t, zhao, instance.id, { action: "urge" });
    await settle(t);
    expect(types(await about(li, link))).toEqual(["approval.urged", "approval.assigned"]);

    await acted(t, li, instance.id, { action: "approve", taskId: pendingTaskOf(instance, li.id) });
    await settle(t);
    const [decided, ...others] = await about(zhao, link, "en");
    expect(others).toEqual([]);
    expect(decided).toMatchObject({ type: "approval.decided", title: 'Your approval request "买一台显示器" was approved', body: "By 李四" });
    expect(types(await about(li, link))).toEqual(["approval.urged", "approval.assigned"]);
  });
});

describe("delivery", () => {
  const outboxEvent = async (type: string, match: string): Promise<RelayedEvent> => {
    const { rows } = await t.platform.db.query<{ id: string; type: string; org_id: string; project_id: string | null; data: Record<string, unknown>; actor_id: string; created_at: string }>(
      "select id, type, org_id, project_id, data, actor_id, created_at from outbox_events where type = $1 and data::text like $2",
      [type, `%${match}%`],
    );
    const r = rows[0]!;
    return { id: r.id, seq: "0", type: r.type, orgId: r.org_id, projectId: r.project_id, data: r.data, actorId: r.actor_id, at: r.created_at };
  };

  it("creates nothing new when the same event is consumed again", async () => {
    const task = await createTask(zhang, { title: "Delivered twice", assigneeId: li.id });
    await comment(li, task.key, "@赵六 once");
    await settle(t);
    const before = [await about(li, `/tasks/${task.key}`), await about(zhao, `/tasks/${task.key}`), await about(zhang, `/tasks/${task.key}`)];
    expect(before.map(types)).toEqual([["task.assigned"], ["task.mentioned"], ["task.commented"]]);
    const created = await outboxEvent("task.created", task.id);
    const commented = await outboxEvent("comment.created", "@赵六 once");
    const again = await Promise.all([created, commented, created, commented].map((e) => t.services.notifications.onEvents([e])));
    expect(again).toEqual([0, 0, 0, 0]);
    // The same in one batch (the relay hands a batch to one job), twice over.
    expect(await t.services.notifications.onEvents([created, commented, created, commented])).toBe(0);
    await settle(t);
    const after = [await about(li, `/tasks/${task.key}`), await about(zhao, `/tasks/${task.key}`), await about(zhang, `/tasks/${task.key}`)];
    expect(after).toEqual(before);
  });

  it("notifies once when the relay dies between publishing and marking the batch done", async () => {
    await t.platform.relay.stop();
    const task = await createTask(zhang, { title: "Crash in the middle", assigneeId: li.id });
    const crashing = new OutboxRelay(t.platform.db, t.platform.bus, t.platform.jobs, t.platform.log, {
      retentionHours: 1,
      beforeMarkDone: () => Promise.reject(new Error("killed")),
    });
    await expect(crashing.publishBatch()).rejects.toThrow("killed");
    t.platform.relay.start();
    await settle(t);
    await until("the assignment", async () => (await about(li, `/tasks/${task.key}`)).length > 0);
    await settle(t);
    expect(types(await about(li, `/tasks/${task.key}`))).toEqual(["task.assigned"]);
  });

  it("emits notification.created for the recipient in the transaction of the notification", async () => {
    const task = await createTask(zhang, { title: "Realtime", assigneeId: li.id });
    await settle(t);
    const [n] = await about(li, `/tasks/${task.key}`);
    const { rows } = await t.platform.db.query<{ org_id: string; project_id: string | null; data: Record<string, unknown>; published_at: string | null }>(
      "select org_id, project_id, data, published_at from outbox_events where type = 'notification.created' and data->>'id' = $1",
      [n!.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ org_id: orgId, project_id: null, data: { recipientId: li.id, id: n!.id, type: "task.assigned", title: n!.title, link: n!.link } });
    expect(rows[0]!.published_at).not.toBeNull();
  });
});
