import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { startReceiver, until, type Receiver } from "./testkit.js";

// Without an operator allow-list, webhooks cannot reach the server's own network:
// literal addresses are refused when saved, hostnames at delivery time after DNS
// resolution (the socket connects to the very address that was checked).

let t: TestApp;
let rx: Receiver;
let owner: TestUser;
let orgId: string;

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ PLINTH_WEBHOOK_ATTEMPTS: "3", PLINTH_WEBHOOK_BACKOFF_MS: "20" });
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
});
afterAll(async () => {
  await t.close();
  await rx.close();
});

const create = (url: string) => call(t, "POST", `/api/v1/orgs/${orgId}/webhooks`, { token: owner.token, body: { url, events: ["*"], format: "generic" } });

describe("SSRF protection", () => {
  it.each([
    ["http://127.0.0.1/hook", /127\.0\.0\.1 is a special-purpose address \(loopback\)/],
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a special-purpose address \(link-local \(cloud metadata\)\)/],
    ["http://[::1]:8080/", /::1 is a special-purpose address \(loopback\)/],
    ["http://10.0.0.1/", /private/],
    ["http://192.168.1.10/", /private/],
    ["http://172.20.0.5/", /private/],
    ["http://100.64.1.1/", /CGNAT/],
    ["http://0.0.0.0:3000/", /this network/],
    ["http://[fd00::5]/", /unique local/],
    ["http://[fe80::1]/", /link-local/],
    ["http://[::ffff:127.0.0.1]/", /loopback/],
    ["http://[::ffff:a9fe:a9fe]/", /cloud metadata/],
    ["http://2130706433/", /127\.0\.0\.1 is .*loopback/], // 127.0.0.1 as one number
    ["http://0x7f.1/", /loopback/],
    ["http://224.0.0.1/", /multicast/],
    ["file:///etc/passwd", /Only http and https/],
    ["gopher://127.0.0.1:6379/_INFO", /Only http and https/],
  ])("refuses %s with 422", async (url, message) => {
    const res = await create(url);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("webhook_url_refused");
    expect(res.body.detail).toMatch(message);
    expect(res.body.errors[0].path).toBe("body.url");
  });

  it("refuses a literal address on update too", async () => {
    const created = await create("http://localhost:9/plinth");
    expect(created.status).toBe(201);
    const res = await call(t, "PATCH", `/api/v1/orgs/${orgId}/webhooks/${created.body.id}`, { token: owner.token, body: { url: "http://169.254.169.254/" } });
    expect(res.status).toBe(422);
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${created.body.id}`, { token: owner.token })).body.url).toBe("http://localhost:9/plinth");
    await call(t, "DELETE", `/api/v1/orgs/${orgId}/webhooks/${created.body.id}`, { token: owner.token });
  });

  it("refuses a hostname that resolves to loopback at delivery time: logged as blocked, not retried, nothing sent", async () => {
    const created = await create(`http://localhost:${rx.port}/sneaky`);
    expect(created.status).toBe(201); // a name is judged when it is resolved
    const id = created.body.id as string;
    const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "SSRF", name: "SSRF" } });
    await call(t, "POST", `/api/v1/projects/${project.body.id}/tasks`, { token: owner.token, body: { title: "Trigger" } });

    const list = async () => (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${id}/deliveries`, { token: owner.token })).body.items as { id: string; status: string }[];
    await until("deliveries blocked", async () => {
      const items = await list();
      return items.length >= 2 && items.every((d) => d.status === "blocked"); // project.created and task.created
    });
    await t.platform.jobs.idle();
    const [first] = await list();
    const detail = (await call(t, "GET", `/api/v1/orgs/${orgId}/webhooks/${id}/deliveries/${first!.id}`, { token: owner.token })).body;
    expect(detail.attempts).toBe(1);
    expect(detail.attemptLog).toMatchObject([{ attempt: 1, result: "blocked", statusCode: null, nextRetryAt: null }]);
    expect(detail.attemptLog[0].error).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a special-purpose address \(loopback\).*PLINTH_WEBHOOK_ALLOW_HOSTS/);
    expect(rx.received).toEqual([]);

    const metrics = await call(t, "GET", "/metrics");
    expect(metrics.body).toMatch(/plinth_webhook_deliveries_total\{result="blocked"\} [1-9]/);
  });
});
