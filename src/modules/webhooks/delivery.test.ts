import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { startReceiver, until, type Receiver, type Received } from "./testkit.js";

// Generic webhooks end to end: a real receiver on 127.0.0.1 (allowed by the operator
// allow-list), events from real API writes, deliveries by the job runtime.

let t: TestApp;
let rx: Receiver;
let owner: TestUser;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    PLINTH_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    PLINTH_WEBHOOK_ATTEMPTS: "3",
    PLINTH_WEBHOOK_BACKOFF_MS: "20",
    PLINTH_WEBHOOK_DISABLE_AFTER: "2",
  });
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "HOOK", name: "Hooks" } });
  projectId = project.body.id;
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

const as = () => ({ token: owner.token });

async function createHook(path: string, events: string[], extra: Record<string, unknown> = {}) {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks`, { ...as(), body: { url: `${rx.origin}${path}`, events, format: "generic", ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret?: string; hasSecret: boolean };
}

const createTask = async (title: string) => {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { ...as(), body: { title } });
  expect(res.status).toBe(201);
  return res.body as { id: string; key: string };
};

const deliveries = async (hookId: string) => (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hookId}/deliveries`, as())).body.items as { id: string; status: string; attempts: number; eventType: string; eventId: string }[];

const delivery = async (hookId: string, deliveryId: string) => (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hookId}/deliveries/${deliveryId}`, as())).body;

/** What a receiver does with a generic delivery: check the signature over timestamp and raw body, in constant time. */
function verifies(r: Received, secret: string): boolean {
  const timestamp = String(r.headers["x-plinth-timestamp"]);
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${timestamp}.${r.body}`).digest("hex")}`);
  const given = Buffer.from(String(r.headers["x-plinth-signature"]));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

describe("generic webhook deliveries", () => {
  it("signs each delivery, and retries after a 500 with the same delivery id until the receiver accepts", async () => {
    let calls = 0;
    rx.on("/flaky", () => (++calls === 1 ? { status: 500, body: "boom" } : { status: 200, body: "thanks" }));
    const hook = await createHook("/flaky", ["task.created"]);
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.hasSecret).toBe(true);

    const task = await createTask("Ship the webhook");
    await until("the retry", () => rx.at("/flaky").length >= 2);
    const [first, second] = rx.at("/flaky") as [Received, Received];
    for (const r of [first, second]) {
      expect(r.method).toBe("POST");
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(r.headers["x-plinth-event"]).toBe("task.created");
      expect(verifies(r, hook.secret!)).toBe(true);
      expect(verifies(r, "some other secret")).toBe(false);
    }
    expect(second.headers["x-plinth-delivery"]).toBe(first.headers["x-plinth-delivery"]);
    const body = JSON.parse(second.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["at", "data", "id", "orgId", "projectId", "type"]);
    expect(body).toMatchObject({ type: "task.created", orgId, projectId, data: { id: task.id, key: task.key, title: "Ship the webhook" } });

    const deliveryId = String(first.headers["x-plinth-delivery"]);
    await until("the delivery marked succeeded", async () => (await deliveries(hook.id))[0]?.status === "succeeded");
    const [listed] = await deliveries(hook.id);
    expect(listed).toMatchObject({ id: deliveryId, eventType: "task.created", eventId: body.id, status: "succeeded", attempts: 2 });
    const detail = await delivery(hook.id, deliveryId);
    expect(detail.event).toMatchObject({ id: body.id, type: "task.created" });
    expect(detail.attemptLog).toMatchObject([
      { attempt: 1, result: "failed", statusCode: 500, error: "HTTP 500", responseSnippet: "boom" },
      { attempt: 2, result: "succeeded", statusCode: 200, error: null, responseSnippet: "thanks", nextRetryAt: null },
    ]);
    expect(detail.attemptLog[0].nextRetryAt).toEqual(expect.any(String));
    expect(detail.attemptLog[0].durationMs).toBeGreaterThanOrEqual(0);

    // Manual redelivery: one more attempt of the same delivery, same id.
    const redo = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.id}/deliveries/${deliveryId}/redeliver`, as());
    expect(redo.status).toBe(202);
    expect(redo.body).toMatchObject({ id: deliveryId, status: "pending" });
    await until("the redelivery", () => rx.at("/flaky").length >= 3);
    expect(rx.at("/flaky")[2]!.headers["x-plinth-delivery"]).toBe(deliveryId);
    expect(verifies(rx.at("/flaky")[2]!, hook.secret!)).toBe(true);
    await until("the redelivery logged", async () => (await delivery(hook.id, deliveryId)).attemptLog.length === 3);
    expect((await delivery(hook.id, deliveryId)).status).toBe("succeeded");

    const metrics = await call(t, "GET", "/metrics");
    expect(metrics.body).toMatch(/plinth_webhook_deliveries_total\{result="retry"\} [1-9]/);
    expect(metrics.body).toMatch(/plinth_webhook_deliveries_total\{result="success"\} [1-9]/);
  });

  it("refuses to redeliver a delivery still in progress, and unknown ones", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    rx.on("/slow", async () => {
      await held;
      return { status: 200 };
    });
    const hook = await createHook("/slow", ["task.created"]);
    await createTask("Pending for a while");
    await until("the request in flight", () => rx.at("/slow").length === 1);
    const [pending] = await deliveries(hook.id);
    expect(pending!.status).toBe("pending");
    const busy = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.id}/deliveries/${pending!.id}/redeliver`, as());
    expect(busy.status).toBe(409);
    release();
    await until("delivered", async () => (await deliveries(hook.id))[0]?.status === "succeeded");
    const unknown = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.id}/deliveries/${randomUUID()}/redeliver`, as());
    expect(unknown.status).toBe(404);
    await call(t, "DELETE", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, as());
  });

  it("delivers only the event types a webhook asked for, wildcards included", async () => {
    const exact = await createHook("/exact", ["comment.created"]);
    const family = await createHook("/family", ["task.*"]);
    const everything = await createHook("/all", ["*"]);
    const off = await createHook("/off", ["*"], { active: false });
    const task = await createTask("Filtered");
    expect((await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { ...as(), body: { status: "in_progress" } })).status).toBe(200);
    expect((await call(t, "POST", `/api/v1/tasks/${task.id}/comments`, { ...as(), body: { body: "Looks good" } })).status).toBe(201);

    await until("all three events at the catch-all", () => rx.at("/all").length >= 3);
    await until("both task events at the family", () => rx.at("/family").length >= 2);
    await until("the comment at the exact one", () => rx.at("/exact").length >= 1);
    await t.platform.jobs.idle();
    const types = (path: string) => rx.at(path).map((r) => r.headers["x-plinth-event"]);
    expect(types("/exact")).toEqual(["comment.created"]);
    expect(types("/family").sort()).toEqual(["task.created", "task.updated"]);
    expect(types("/all")).toEqual(expect.arrayContaining(["task.created", "task.updated", "comment.created"]));
    expect(types("/off")).toEqual([]);
    expect(await deliveries(off.id)).toEqual([]);
    for (const h of [exact, family, everything, off]) await call(t, "DELETE", `/api/v1/orgs/${orgId}/webhooks/${h.id}`, as());
  });

  it("sends a test ping on request, also to a disabled webhook", async () => {
    const hook = await createHook("/ping", ["task.created"], { active: false, secret: "my-own-secret" });
    expect(hook.secret).toBeUndefined(); // a secret the caller chose is not echoed
    const res = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.id}/test`, as());
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: "ping", eventType: "webhook.ping", status: "pending", attempts: 0 });
    await until("the ping", () => rx.at("/ping").length === 1);
    const ping = rx.at("/ping")[0]!;
    expect(ping.headers["x-plinth-event"]).toBe("webhook.ping");
    expect(ping.headers["x-plinth-delivery"]).toBe(res.body.id);
    expect(verifies(ping, "my-own-secret")).toBe(true);
    expect(JSON.parse(ping.body)).toMatchObject({ type: "webhook.ping", orgId, data: { webhookId: hook.id } });
    await until("the ping logged", async () => (await delivery(hook.id, res.body.id)).status === "succeeded");
  });

  it("does not follow redirects", async () => {
    rx.on("/moved", () => ({ status: 302, headers: { location: `${rx.origin}/elsewhere` } }));
    const hook = await createHook("/moved", ["task.created"]);
    const res = await call(t, "POST", `/api/v1/orgs/${orgId}/webhooks/${hook.id}/test`, as());
    await until("the ping answered", async () => (await delivery(hook.id, res.body.id)).status === "failed");
    expect((await delivery(hook.id, res.body.id)).attemptLog).toMatchObject([{ result: "failed", statusCode: 302, error: "HTTP 302" }]);
    expect(rx.at("/elsewhere")).toEqual([]);
    await call(t, "DELETE", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, as());
  });

  it("disables a webhook after repeated failed deliveries, says why, and can be turned on again", async () => {
    let healthy = false;
    rx.on("/down", () => (healthy ? { status: 204 } : { status: 500, body: "still down" }));
    const hook = await createHook("/down", ["task.created"]);
    await createTask("First failure");
    await until("the first delivery failed", async () => (await deliveries(hook.id))[0]?.status === "failed");
    expect(rx.at("/down")).toHaveLength(3); // PLINTH_WEBHOOK_ATTEMPTS
    let current = (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, as())).body;
    expect(current).toMatchObject({ active: true, consecutiveFailures: 1, disabledReason: null });

    await createTask("Second failure");
    await until("disabled", async () => (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, as())).body.active === false);
    current = (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, as())).body;
    expect(current.consecutiveFailures).toBe(2);
    expect(current.disabledReason).toMatch(/2 consecutive failed deliveries.*HTTP 500/);
    expect(current.disabledAt).toEqual(expect.any(String));
    const { rows } = await t.platform.db.query<{ n: number }>("select count(*)::int as n from audit_log where action = 'webhook.disable' and target_id = $1", [hook.id]);
    expect(rows[0]!.n).toBe(1);

    // Disabled: new events are not delivered.
    const before = rx.at("/down").length;
    await createTask("While disabled");
    await t.platform.relay.drain();
    await t.platform.jobs.idle();
    expect(rx.at("/down").length).toBe(before);

    healthy = true;
    const on = await call(t, "PATCH", `/api/v1/orgs/${orgId}/webhooks/${hook.id}`, { ...as(), body: { active: true }, headers: { "if-match": `"${current.version}"` } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ active: true, consecutiveFailures: 0, disabledReason: null, disabledAt: null });
    await createTask("Back up");
    await until("delivered again", () => rx.at("/down").some((r) => JSON.parse(r.body).data.title === "Back up"));
  });

  it("shuts down without waiting for a receiver that never answers", async () => {
    rx.on("/hang", () => new Promise(() => undefined));
    const other = await createTestApp({ PLINTH_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", PLINTH_WEBHOOK_TIMEOUT_MS: "60000" });
    const { owner: o, org } = await orgWithOwner(other);
    const hook = await call(other, "POST", `/api/v1/orgs/${org.id}/webhooks`, { token: o.token, body: { url: `${rx.origin}/hang`, events: ["*"], format: "generic" } });
    await call(other, "POST", `/api/v1/orgs/${org.id}/webhooks/${hook.body.id}/test`, { token: o.token });
    await until("the request hanging", () => rx.at("/hang").length >= 1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
