import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { startReceiver, until, type Receiver, type Received } from "./testkit.js";

// IM robot formats: the receiver checks each vendor's signature with the vendor's own
// algorithm and the payload shape the vendor documents; cards read in the webhook's language.

const PUBLIC_URL = "https://plinth.example.cn";
const DINGTALK_SECRET = "SEC0123456789abcdef-dingtalk";
const FEISHU_SECRET = "feishu-signing-secret";

let t: TestApp;
let rx: Receiver;
let owner: TestUser;
let member: TestUser;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  rx = await startReceiver();
  rx.on("/dingtalk", () => ({ status: 200, body: JSON.stringify({ errcode: 0, errmsg: "ok" }) }));
  rx.on("/feishu", () => ({ status: 200, body: JSON.stringify({ code: 0, msg: "success", data: {} }) }));
  rx.on("/wecom", () => ({ status: 200, body: JSON.stringify({ errcode: 0, errmsg: "ok" }) }));
  rx.on("/ding-refuses", () => ({ status: 200, body: JSON.stringify({ errcode: 310000, errmsg: "sign not match" }) }));
  t = await createTestApp({ PLINTH_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", PLINTH_WEBHOOK_ATTEMPTS: "1", PLINTH_PUBLIC_URL: PUBLIC_URL });
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member", "李雷");
  const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "IM", name: "IM cards" } });
  projectId = project.body.id;
  await call(t, "PUT", `/api/v1/projects/${projectId}/members/${member.id}`, { token: owner.token, body: { role: "member" } });
  const hooks = [
    { url: `${rx.origin}/dingtalk?access_token=robot-token`, format: "dingtalk", secret: DINGTALK_SECRET, locale: "zh-CN", events: ["task.*", "comment.created"] },
    { url: `${rx.origin}/feishu`, format: "feishu", secret: FEISHU_SECRET, locale: "en", events: ["task.*", "approval.*"] },
    { url: `${rx.origin}/wecom?key=wecom-key`, format: "wecom", locale: "zh-CN", events: ["task.*", "approval.*"] },
    { url: `${rx.origin}/slack`, format: "slack", locale: "en", events: ["task.*", "comment.created"] },
  ];
  for (const body of hooks) {
    const res = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks`, { token: owner.token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

const json = (r: Received) => JSON.parse(r.body) as Record<string, any>;
const ofEvent = (path: string, type: string) => rx.at(path).filter((r) => r.headers["x-plinth-event"] === type);

async function waitFor(path: string, type: string, n = 1): Promise<Received[]> {
  await until(`${n} ${type} at ${path}`, () => ofEvent(path, type).length >= n);
  return ofEvent(path, type);
}

let task: { id: string; key: string };

describe("IM robot cards", () => {
  beforeAll(async () => {
    const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title: "发布 v2 Release", priority: "high", dueDate: "2026-12-31" } });
    task = res.body;
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { assigneeId: member.id } });
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "in_progress" } });
    await call(t, "POST", `/api/v1/tasks/${task.id}/comments`, { token: owner.token, body: { body: "Please review\n请审阅" } });
  });

  it("DingTalk: signs timestamp and secret into the URL, and sends an actionCard in Chinese", async () => {
    const [created] = await waitFor("/dingtalk", "task.created");
    const q = created!.url.searchParams;
    expect(q.get("access_token")).toBe("robot-token");
    const timestamp = q.get("timestamp")!;
    expect(Math.abs(Number(timestamp) - Date.now())).toBeLessThan(60 * 60 * 1000); // milliseconds, and within DingTalk's hour
    const expected = createHmac("sha256", DINGTALK_SECRET).update(`${timestamp}\n${DINGTALK_SECRET}`).digest("base64");
    expect(q.get("sign")).toBe(expected);
    expect(created!.url.search).toContain(`sign=${encodeURIComponent(expected).replace(/%20/g, "+")}`);

    const body = json(created!);
    expect(body.msgtype).toBe("actionCard");
    expect(body.actionCard.title).toContain("新建任务");
    expect(body.actionCard.text).toContain(`**${task.key} 发布 v2 Release**`);
    expect(body.actionCard.text).toMatch(/优先级：high/);
    expect(body.actionCard.singleTitle).toBe("在 Plinth 中查看");
    expect(body.actionCard.singleURL).toBe(`${PUBLIC_URL}/tasks/${task.key}`);

    const [comment] = await waitFor("/dingtalk", "comment.created");
    const text = json(comment!).actionCard.text as string;
    expect(json(comment!).actionCard.title).toContain("新评论");
    expect(text).toContain("> Please review\n> 请审阅");
  });

  it("Feishu: signs the body with the timestamp-and-secret key, and sends an interactive card in English", async () => {
    const [created] = await waitFor("/feishu", "task.created");
    const body = json(created!);
    expect(body.timestamp).toMatch(/^\d{10}$/); // seconds, as a string
    expect(Math.abs(Number(body.timestamp) - Date.now() / 1000)).toBeLessThan(3600);
    const expected = createHmac("sha256", `${body.timestamp}\n${FEISHU_SECRET}`).update("").digest("base64");
    expect(body.sign).toBe(expected);
    expect(body.msg_type).toBe("interactive");
    expect(body.card.header).toMatchObject({ template: "blue", title: { tag: "plain_text", content: "New task" } });
    const elements = body.card.elements as Record<string, any>[];
    expect(elements[0]).toEqual({ tag: "div", text: { tag: "lark_md", content: `**${task.key} 发布 v2 Release**` } });
    const action = elements.find((e) => e.tag === "action")!;
    expect(action.actions[0]).toMatchObject({ tag: "button", url: `${PUBLIC_URL}/tasks/${task.key}`, text: { content: "Open in Plinth" } });

    const updates = await waitFor("/feishu", "task.updated", 2);
    const headings = updates.map((u) => json(u).card.header.title.content as string);
    expect(headings).toEqual(expect.arrayContaining(["Task assigned", "Task status changed"]));
    const assigned = updates.find((u) => json(u).card.header.title.content === "Task assigned")!;
    expect(JSON.stringify(json(assigned).card.elements)).toContain("李雷");
    const moved = updates.find((u) => json(u).card.header.title.content === "Task status changed")!;
    expect(JSON.stringify(json(moved).card.elements)).toContain("todo → in_progress");
    expect(JSON.stringify(json(moved).card.elements)).toContain("发布 v2 Release"); // title looked up: the event only has the change
  });

  it("WeCom: markdown in Chinese, credential only in the URL", async () => {
    const updates = await waitFor("/wecom", "task.updated", 2);
    for (const u of updates) {
      expect(u.url.searchParams.get("key")).toBe("wecom-key");
      expect(u.headers["x-plinth-signature"]).toBeUndefined();
      const body = json(u);
      expect(Object.keys(body).sort()).toEqual(["markdown", "msgtype"]);
      expect(body.msgtype).toBe("markdown");
      expect(Buffer.byteLength(body.markdown.content as string)).toBeLessThanOrEqual(4096);
    }
    const contents = updates.map((u) => json(u).markdown.content as string);
    const assigned = contents.find((c) => c.includes("任务已指派"))!;
    expect(assigned).toContain("负责人：<font color=\"comment\">李雷</font>");
    expect(assigned).toContain(`[在 Plinth 中查看](${PUBLIC_URL}/tasks/${task.key})`);
    expect(contents.some((c) => c.includes("任务状态变更"))).toBe(true);
  });

  it("Slack: Block Kit with a plain-text fallback, in English", async () => {
    const [comment] = await waitFor("/slack", "comment.created");
    const body = json(comment!);
    expect(body.text).toBe(`New comment: ${task.key} 发布 v2 Release`);
    const blocks = body.blocks as Record<string, any>[];
    expect(blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "New comment" } });
    expect(blocks[1]!.text).toEqual({ type: "mrkdwn", text: `*${task.key} 发布 v2 Release*` });
    expect(blocks[2]!.text.text).toBe(">Please review\n>请审阅");
    expect(blocks.at(-1)).toEqual({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Plinth" }, url: `${PUBLIC_URL}/tasks/${task.key}` }] });
    const [created] = await waitFor("/slack", "task.created");
    expect(json(created!).blocks[0].text.text).toBe("New task");
  });

  it("approval cards: waiting for a decision, then approved, in both languages", async () => {
    const node = { id: "lead", type: "approval", mode: "any", approvers: [{ type: "user", userId: owner.id }] };
    const flow = await call(t, "POST", `/api/v1/orgs/${orgId}/approval-flows`, { token: owner.token, body: { key: "budget", name: "Budget", nodes: [node] } });
    expect(flow.status).toBe(201);
    const started = await call(t, "POST", `/api/v1/orgs/${orgId}/approvals`, { token: member.token, body: { flowKey: "budget", title: "采购服务器 Servers" } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const approvalId = started.body.id as string;

    const [assignedEn] = await waitFor("/feishu", "approval.task.assigned");
    const card = json(assignedEn!).card;
    expect(card.header).toMatchObject({ template: "orange", title: { content: "Approval waiting for a decision" } });
    expect(JSON.stringify(card.elements)).toContain("采购服务器 Servers");
    expect(JSON.stringify(card.elements)).toContain(`${PUBLIC_URL}/approvals/${approvalId}`);
    const [assignedZh] = await waitFor("/wecom", "approval.task.assigned");
    expect(json(assignedZh!).markdown.content).toContain("有待处理的审批");

    const decided = await call(t, "POST", `/api/v1/approvals/${approvalId}/actions`, { token: owner.token, body: { action: "approve" } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const [finishedEn] = await waitFor("/feishu", "approval.finished");
    expect(json(finishedEn!).card.header).toMatchObject({ template: "green", title: { content: "Approval approved" } });
    expect(JSON.stringify(json(finishedEn!).card.elements)).toContain("李雷"); // the initiator
    const [finishedZh] = await waitFor("/wecom", "approval.finished");
    expect(json(finishedZh!).markdown.content).toContain("审批已通过");
  });

  it("counts a robot's in-body refusal (HTTP 200 with an error code) as a failed attempt", async () => {
    const hook = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks`, { token: owner.token, body: { url: `${rx.origin}/ding-refuses?access_token=x`, format: "dingtalk", events: ["task.created"] } });
    const ping = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.body.id}/test`, { token: owner.token });
    const detail = async () => (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hook.body.id}/deliveries/${ping.body.id}`, { token: owner.token })).body;
    await until("the ping answered", async () => (await detail()).status !== "pending");
    const d = await detail();
    expect(d.status).toBe("failed");
    expect(d.attemptLog).toMatchObject([{ result: "failed", statusCode: 200, error: "DingTalk refused the message: 310000 sign not match" }]);
    const sent = rx.at("/ding-refuses")[0]!;
    expect(sent.url.searchParams.has("sign")).toBe(false); // no secret, no signature
    expect(json(sent).actionCard.title).toContain("Webhook 测试");
  });

  it("refuses a secret for robots that do not sign", async () => {
    for (const format of ["wecom", "slack"]) {
      const res = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks`, { token: owner.token, body: { url: `${rx.origin}/x`, format, secret: "nope", events: ["*"] } });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe("body.secret");
    }
  });
});
