import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let guest: TestUser;
let orgId: string;
let projectId: string;
let tasks: { due: any; milestone: any; undated: any; othersDue: any };

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
  guest = await addMember(t, orgId, owner, "guest");
  projectId = (await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "CAL", name: "Calendar team" } })).body.id;
  expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${guest.id}`, { token: owner.token, body: { role: "viewer" } })).status).toBe(200);
  const task = async (body: Record<string, unknown>) => (await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body })).body;
  tasks = {
    due: await task({ title: "Write the spec", assigneeId: member.id, dueDate: inDays(10) }),
    milestone: await task({ title: "Beta", milestone: true, startDate: inDays(20) }),
    undated: await task({ title: "Someday", assigneeId: member.id }),
    othersDue: await task({ title: "Not mine", assigneeId: owner.id, dueDate: inDays(5) }),
  };
});
afterAll(async () => t.close());

async function subscribe(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/calendar-feeds`, { token: user.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function fetchFeed(url: string) {
  const { pathname, search } = new URL(url);
  return t.app.inject({ method: "GET", url: `${pathname}${search}` });
}
const events = (text: string) =>
  new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return [e.uid.split("@")[0], e.summary, e.startDate.toString()];
  });

describe("iCalendar feeds", () => {
  it("serves my assigned due dates to a calendar app through a secret URL, no sign-in", async () => {
    const feed = await subscribe(member);
    expect(feed.url).toMatch(/\/api\/v1\/ical\?token=plf_/);
    const res = await fetchFeed(feed.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(events(res.body)).toEqual([[tasks.due.id, `${tasks.due.key} Write the spec (due)`, inDays(10)]]);
    const listed = (await call(t, "GET", `/api/v1/orgs/${orgId}/calendar-feeds`, { token: member.token })).body.items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty("token");
    expect(listed[0].lastUsedAt).not.toBeNull();
  });

  it("serves a project's due dates and milestones", async () => {
    const feed = await subscribe(owner, { projectId });
    const res = await fetchFeed(feed.url);
    expect(events(res.body)).toEqual([
      [tasks.othersDue.id, `${tasks.othersDue.key} Not mine (due)`, inDays(5)],
      [tasks.due.id, `${tasks.due.key} Write the spec (due)`, inDays(10)],
      [tasks.milestone.id, `◆ ${tasks.milestone.key} Beta`, inDays(20)],
    ]);
    expect(new ICAL.Component(ICAL.parse(res.body)).getFirstPropertyValue("x-wr-calname")).toBe("Plinth · Calendar team");
  });

  it("stops serving a revoked feed, an unknown token, and a feed whose owner lost access", async () => {
    const feed = await subscribe(member);
    expect((await call(t, "DELETE", `/api/v1/orgs/${orgId}/calendar-feeds/${feed.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(t, "DELETE", `/api/v1/orgs/${orgId}/calendar-feeds/${feed.id}`, { token: member.token })).status).toBe(204);
    expect((await fetchFeed(feed.url)).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/ical?token=plf_nope" })).statusCode).toBe(404);

    const guestFeed = await subscribe(guest, { projectId });
    expect((await fetchFeed(guestFeed.url)).statusCode).toBe(200);
    expect((await call(t, "DELETE", `/api/v1/projects/${projectId}/members/${guest.id}`, { token: owner.token })).status).toBe(204);
    expect((await fetchFeed(guestFeed.url)).statusCode).toBe(404);
  });

  it("refuses a project of another org", async () => {
    const other = await orgWithOwner(t);
    const theirs = (await call(t, "POST", `/api/v1/orgs/${other.org.id}/projects`, { token: other.owner.token, body: { key: "XX", name: "X" } })).body;
    expect((await call(t, "POST", `/api/v1/orgs/${orgId}/calendar-feeds`, { token: owner.token, body: { projectId: theirs.id } })).status).toBe(404);
    expect((await call(t, "POST", `/api/v1/orgs/${other.org.id}/calendar-feeds`, { token: owner.token, body: {} })).status).toBe(404);
  });
});
