import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, createOrg, signup, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from "../../../test/smtp.js";
import { inbox, settle, setLocale, setPreferences, until } from "./testkit.js";

// E-mail goes through a real SMTP server started here: one message per
// notification in the recipient's language, or one daily digest, as each user chose.

let smtp: SmtpReceiver;
let t: TestApp;
let zhang: TestUser;
let alice: TestUser; // reads English
let bo: TestUser; // reads Chinese (the default)
let orgId: string;
let projectId: string;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  t = await createTestApp({
    PLINTH_SMTP_URL: smtp.url,
    PLINTH_MAIL_FROM: "Plinth <bot@plinth.example.com>",
    PLINTH_PUBLIC_URL: "https://plinth.example.com",
    // No cron role: the digest test runs the scheduler itself, at the times it chooses.
    PLINTH_ROLES: "api,worker,realtime",
  });
  zhang = await signup(t, { name: "张三" });
  orgId = (await createOrg(t, zhang)).id;
  alice = await addMember(t, orgId, zhang, "member", "Alice");
  bo = await addMember(t, orgId, zhang, "member", "薄一");
  await setLocale(t, alice, "en");
  projectId = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: zhang.token, body: { key: "ENG", name: "Engineering" } })).body.id;
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

async function assign(to: TestUser, title: string): Promise<{ id: string; key: string }> {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: zhang.token, body: { title, assigneeId: to.id } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const mailsTo = (user: TestUser): ReceivedMail[] => smtp.mails.filter((m) => m.to.includes(user.email));

describe("immediate e-mail", () => {
  it("reaches each recipient in their language, with a link and escaped HTML", async () => {
    const english = await assign(alice, 'Fix <login> & "signup"');
    const chinese = await assign(bo, "修复登录");
    await until("two e-mails", async () => smtp.mails.length >= 2);
    await settle(t);
    expect(smtp.mails).toHaveLength(2);

    const [toAlice] = mailsTo(alice);
    expect(toAlice!.from).toBe("bot@plinth.example.com");
    expect(toAlice!.subject).toBe(`[Plinth] 张三 assigned ${english.key} "Fix <login> & "signup"" to you`);
    expect(toAlice!.text).toContain("No due date");
    expect(toAlice!.text).toContain(`Open: https://plinth.example.com/tasks/${english.key}`);
    expect(toAlice!.html).toContain("Fix &lt;login&gt; &amp; &quot;signup&quot;");
    expect(toAlice!.html).not.toContain("<login>");
    expect(toAlice!.html).toContain(`href="https://plinth.example.com/tasks/${english.key}"`);
    expect(toAlice!.html).toContain('lang="en"');

    const [toBo] = mailsTo(bo);
    expect(toBo!.subject).toBe(`[Plinth] 张三 把任务 ${chinese.key}「修复登录」分配给了你`);
    expect(toBo!.text).toContain("未设置截止日期");
    expect(toBo!.text).toContain(`查看: https://plinth.example.com/tasks/${chinese.key}`);
    expect(toBo!.html).toContain('lang="zh-CN"');
    expect(mailsTo(zhang)).toEqual([]);
  });

  it("sends none for a type whose e-mail is off, or with e-mail off, and keeps the in-app notification", async () => {
    const before = smtp.mails.length;
    await setPreferences(t, bo, { types: [{ type: "task.assigned", email: false }] });
    await setPreferences(t, alice, { emailMode: "off" });
    const toBo = await assign(bo, "No mail for this");
    const toAlice = await assign(alice, "Nor for this");
    await settle(t);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(before);
    expect((await inbox(t, bo)).map((n) => n.link)).toContain(`/tasks/${toBo.key}`);
    expect((await inbox(t, alice)).map((n) => n.link)).toContain(`/tasks/${toAlice.key}`);
    await setPreferences(t, bo, { types: [{ type: "task.assigned", email: true }] });
    await setPreferences(t, alice, { emailMode: "immediate" });
  });
});

describe("daily digest", () => {
  it("sends one e-mail per user per day with the unread notifications not yet e-mailed", async () => {
    const carol = await addMember(t, orgId, zhang, "member", "Carol");
    await setLocale(t, carol, "en");
    await setPreferences(t, carol, { emailMode: "digest" });
    const first = await assign(carol, "Digest one");
    const second = await assign(carol, "Digest two");
    const readOne = await assign(carol, "Already read");
    await settle(t);
    expect(mailsTo(carol)).toEqual([]);
    const read = (await inbox(t, carol)).find((n) => n.link === `/tasks/${readOne.key}`)!;
    expect((await call(t, "POST", "/api/v1/me/notifications/read", { token: carol.token, body: { ids: [read.id] } })).status).toBe(204);

    const digests = t.services.notifications.digests;
    const today = new Date().toISOString().slice(0, 10);
    expect(await digests.run(new Date(`${today}T00:30:00Z`))).toEqual({ queued: 0 }); // before 09:00 in Beijing
    const at = new Date(`${today}T02:00:00Z`);
    const runs = await Promise.all([digests.run(at), digests.run(at)]);
    expect(runs.map((r) => r.queued).sort()).toEqual([0, 1]);
    await until("the digest", async () => mailsTo(carol).length >= 1);
    await settle(t);

    const [digest, ...more] = mailsTo(carol);
    expect(more).toEqual([]);
    expect(digest!.subject).toBe("[Plinth] Daily digest: 2 unread notifications");
    expect(digest!.text).toContain(`张三 assigned ${first.key} "Digest one" to you`);
    expect(digest!.text).toContain(`https://plinth.example.com/tasks/${second.key}`);
    expect(digest!.text).not.toContain("Already read");
    expect(digest!.html).toContain("Digest two");

    expect(await digests.run(at)).toEqual({ queued: 0 });
    expect(await digests.run(new Date(at.getTime() + 86_400_000))).toEqual({ queued: 0 }); // nothing new since
    await settle(t);
    expect(mailsTo(carol)).toHaveLength(1);
  });
});
