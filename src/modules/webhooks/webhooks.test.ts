import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

// Managing webhooks: owners and admins only, the secret is write-only, every bad
// input a 4xx, another organization's webhooks do not exist.

let t: TestApp;
let owner: TestUser;
let admin: TestUser;
let member: TestUser;
let outsider: TestUser;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  admin = await addMember(t, orgId, owner, "admin");
  member = await addMember(t, orgId, owner, "member");
  outsider = (await orgWithOwner(t)).owner;
});
afterAll(async () => t.close());

const hooks = () => `/api/v1/orgs/${orgId}/webhooks`;
// A name that resolves to loopback: any ping here is refused before a packet leaves (no allow-list in this file).
const valid = { url: "http://localhost:9/plinth?team=1#frag", events: ["task.*", "comment.created"], format: "generic" };

describe("webhook settings", () => {
  it("creates a webhook whose generated secret is shown once, and never again", async () => {
    const res = await call(t, "POST", hooks(), { token: owner.token, body: valid });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      orgId,
      url: "http://localhost:9/plinth?team=1",
      events: ["task.*", "comment.created"],
      format: "generic",
      locale: "zh-CN", // the creator's language
      active: true,
      hasSecret: true,
      consecutiveFailures: 0,
      disabledReason: null,
      createdBy: owner.id,
      version: 1,
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);

    const got = await call(t, "GET", `${hooks()}/${res.body.id}`, { token: owner.token });
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.body.hasSecret).toBe(true);
    const list = await call(t, "GET", hooks(), { token: admin.token });
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(res.body.id);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);

    // Neither the secret nor the URL (IM robot URLs carry tokens) goes into the audit log or events.
    const { rows } = await t.platform.db.query<{ changes: unknown }>("select changes from audit_log where target_id = $1", [res.body.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(res.body.secret);
    expect(JSON.stringify(rows)).not.toContain("team=1");
    const events = await t.platform.db.query<{ data: unknown }>("select data from outbox_events where type = 'webhook.created' and data->>'id' = $1", [res.body.id]);
    expect(JSON.stringify(events.rows)).not.toContain(res.body.secret);
  });

  it("lets admins manage webhooks, refuses members (403) and hides them from other organizations (404)", async () => {
    const created = await call(t, "POST", hooks(), { token: admin.token, body: { ...valid, locale: "en" } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    for (const [method, url, body] of [
      ["GET", hooks(), undefined],
      ["POST", hooks(), valid],
      ["GET", `${hooks()}/${id}`, undefined],
      ["PATCH", `${hooks()}/${id}`, { active: false }],
      ["DELETE", `${hooks()}/${id}`, undefined],
      ["POST", `${hooks()}/${id}/test`, undefined],
      ["GET", `${hooks()}/${id}/deliveries`, undefined],
    ] as const) {
      expect((await call(t, method, url, { token: member.token, ...(body ? { body } : {}) })).status, `${method} ${url}`).toBe(403);
      expect((await call(t, method, url, { token: outsider.token, ...(body ? { body } : {}) })).status, `${method} ${url}`).toBe(404);
    }
    expect((await call(t, "GET", `${hooks()}/${id}`, { token: admin.token })).body.locale).toBe("en");
  });

  it("changes settings with optimistic concurrency, and drops a secret the new format cannot use", async () => {
    const created = (await call(t, "POST", hooks(), { token: owner.token, body: valid })).body;
    const url = `${hooks()}/${created.id}`;
    const stale = await call(t, "PATCH", url, { token: owner.token, body: { events: ["*"] }, headers: { "if-match": '"7"' } });
    expect(stale.status).toBe(412);
    const changed = await call(t, "PATCH", url, { token: owner.token, body: { events: ["*"], locale: "en" }, headers: { "if-match": '"1"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.body).toMatchObject({ events: ["*"], locale: "en", version: 2, hasSecret: true });

    expect((await call(t, "PATCH", url, { token: owner.token, body: { secret: null } })).body.hasSecret).toBe(false);
    expect((await call(t, "PATCH", url, { token: owner.token, body: { secret: "rotated-secret" } })).body.hasSecret).toBe(true);
    const slack = await call(t, "PATCH", url, { token: owner.token, body: { format: "slack" } });
    expect(slack.body).toMatchObject({ format: "slack", hasSecret: false });
    expect((await call(t, "PATCH", url, { token: owner.token, body: { secret: "x" } })).status).toBe(422);

    const { rows } = await t.platform.db.query<{ changes: Record<string, unknown> }>(
      "select changes from audit_log where target_id = $1 and action = 'webhook.update' order by id",
      [created.id],
    );
    expect(rows.map((r) => r.changes.secret).filter(Boolean)).toEqual(["removed", "changed", "removed"]);
    expect(JSON.stringify(rows)).not.toContain("rotated-secret");
  });

  it("deletes a webhook with its delivery log", async () => {
    const created = (await call(t, "POST", hooks(), { token: owner.token, body: { ...valid, active: false } })).body;
    expect((await call(t, "POST", `${hooks()}/${created.id}/test`, { token: owner.token })).status).toBe(202);
    expect((await call(t, "DELETE", `${hooks()}/${created.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "GET", `${hooks()}/${created.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(t, "GET", `${hooks()}/${created.id}/deliveries`, { token: owner.token })).status).toBe(404);
    expect((await call(t, "DELETE", `${hooks()}/${created.id}`, { token: owner.token })).status).toBe(404);
    const { rows } = await t.platform.db.query<{ n: number }>("select count(*)::int as n from webhook_deliveries where webhook_id = $1", [created.id]);
    expect(rows[0]!.n).toBe(0);
  });

  it("pages through webhooks and deliveries with cursors", async () => {
    const { owner: o, org } = await orgWithOwner(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call(t, "POST", `/api/v1/orgs/${org.id}/webhooks`, { token: o.token, body: { ...valid, active: false } })).body.id);
    const first = await call(t, "GET", `/api/v1/orgs/${org.id}/webhooks?limit=2`, { token: o.token });
    expect(first.body.items).toHaveLength(2);
    const second = await call(t, "GET", `/api/v1/orgs/${org.id}/webhooks?limit=2&cursor=${first.body.nextCursor}`, { token: o.token });
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((w: { id: string }) => w.id)).toEqual(ids);

    const deliveriesUrl = `/api/v1/orgs/${org.id}/webhooks/${ids[0]}/deliveries`;
    const pings: string[] = [];
    for (let i = 0; i < 3; i++) pings.push((await call(t, "POST", `/api/v1/orgs/${org.id}/webhooks/${ids[0]}/test`, { token: o.token })).body.id);
    const page1 = await call(t, "GET", `${deliveriesUrl}?limit=2`, { token: o.token });
    const page2 = await call(t, "GET", `${deliveriesUrl}?limit=2&cursor=${page1.body.nextCursor}`, { token: o.token });
    expect([...page1.body.items, ...page2.body.items].map((d: { id: string }) => d.id)).toEqual(pings.reverse()); // newest first
    expect((await call(t, "GET", `${deliveriesUrl}?status=succeeded`, { token: o.token })).body.items.every((d: { status: string }) => d.status === "succeeded")).toBe(true);
    expect((await call(t, "GET", `${deliveriesUrl}?cursor=${Buffer.from('["2026-01-01", "x"]').toString("base64url")}`, { token: o.token })).status).toBe(400);
    expect((await call(t, "GET", `${deliveriesUrl}?status=lost`, { token: o.token })).status).toBe(400);
  });

  it("answers bad input with 4xx and changes nothing", async () => {
    const before = (await call(t, "GET", `${hooks()}?limit=200`, { token: owner.token })).body.items.length;
    for (const [body, status] of [
      [{ ...valid, events: [] }, 400],
      [{ ...valid, events: ["Task.Created"] }, 400],
      [{ ...valid, events: ["task.*.x"] }, 400],
      [{ ...valid, events: ["**"] }, 400],
      [{ ...valid, events: ["task.created", "task.created"] }, 400],
      [{ ...valid, format: "teams" }, 400],
      [{ url: valid.url, events: valid.events }, 400],
      [{ ...valid, url: "not a url" }, 400],
      [{ ...valid, url: "https://user:pass@hooks.example.com/" }, 400],
      [{ ...valid, url: "ftp://hooks.example.com/" }, 422],
      [{ ...valid, secret: "" }, 400],
      [{ ...valid, locale: "fr" }, 400],
      [{ ...valid, extra: 1 }, 400],
    ] as const) {
      const res = await call(t, "POST", hooks(), { token: owner.token, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    expect((await call(t, "GET", `${hooks()}?limit=200`, { token: owner.token })).body.items.length).toBe(before);
  });
});
