import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { call } from "./http.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

// Redis only speeds things up (cache, pub/sub, rate limits): when it is gone,
// signing up, signing in, and creating and reading core data must still work,
// promptly. First with a Redis that was never there, then (postgres mode) with
// one that disappears mid-test and comes back, through a proxy the test cuts,
// so the machine's Redis is never touched.

/** A localhost port where nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof addr !== "object" || !addr) throw new Error("no port");
  return addr.port;
}

let counter = 0;

/** Signup, login, org and project creation, reads and an update: all must succeed without Redis. */
async function coreJourney(t: TestApp): Promise<void> {
  const n = ++counter;
  const email = `redis-down-${n}@example.com`;
  const signup = await call(t, "POST", "/api/v1/auth/signup", { body: { email, password: "correct-horse-battery", name: "Redisless" } });
  expect(signup.status, JSON.stringify(signup.body)).toBe(201);
  const login = await call(t, "POST", "/api/v1/auth/login", { body: { email, password: "correct-horse-battery" } });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  const token = login.body.token as string;
  const bad = await call(t, "POST", "/api/v1/auth/login", { body: { email, password: "wrong-password" } });
  expect(bad.status).toBe(401);

  const org = await call(t, "POST", "/api/v1/orgs", { token, body: { name: "No cache", slug: `no-cache-${n}` } });
  expect(org.status, JSON.stringify(org.body)).toBe(201);
  const project = await call(t, "POST", `/api/v1/orgs/${org.body.id}/projects`, { token, body: { key: `NC${n}`, name: "Still works" } });
  expect(project.status, JSON.stringify(project.body)).toBe(201);
  const renamed = await call(t, "PATCH", `/api/v1/projects/${project.body.id}`, { token, body: { name: "Still works, renamed" } });
  expect(renamed.status).toBe(200);

  expect((await call(t, "GET", "/api/v1/me", { token })).body.orgs).toHaveLength(1);
  expect((await call(t, "GET", `/api/v1/projects/${project.body.id}`, { token })).body.name).toBe("Still works, renamed");
  expect((await call(t, "GET", `/api/v1/orgs/${org.body.id}/projects`, { token })).body.items).toHaveLength(1);

  expect((await call(t, "POST", "/api/v1/auth/logout", { token })).status).toBe(204);
  expect((await call(t, "GET", "/api/v1/me", { token })).status).toBe(401);
}

describe("with a Redis that is not there at all", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, REDIS_KEY_PREFIX: "plinth-test-dead:" });
  });

  it("serves signup, login, and writes and reads of core data", { timeout: 20_000 }, async () => {
    await coreJourney(t);
    await coreJourney(t);
  });

  it("reports itself unready (Redis is configured) but alive", async () => {
    const ready = await call(t, "GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ database: "ok", redis: "down" });
    expect((await call(t, "GET", "/healthz")).status).toBe(200);
  });

  it("does not hold up a bus subscription", { timeout: 10_000 }, async () => {
    const unsubscribe = await t.platform.bus.subscribe("test:redis-down", () => undefined);
    await t.platform.bus.publish("test:redis-down", { dropped: true });
    await unsubscribe();
  });

  it("shuts down without waiting for Redis", { timeout: 10_000 }, async () => {
    await t.close();
  });
});

describe.runIf(testMode === "postgres" && process.env.TEST_REDIS_URL)("with a Redis that goes away mid-test", () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy(process.env.TEST_REDIS_URL!);
    t = await createTestApp({ REDIS_URL: proxy.via(process.env.TEST_REDIS_URL!) });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  it("works with Redis, keeps working without it, and uses it again when it is back", { timeout: 30_000 }, async () => {
    await coreJourney(t);
    expect((await call(t, "GET", "/readyz")).status).toBe(200);

    await proxy.cut();
    await coreJourney(t);
    const down = await call(t, "GET", "/readyz");
    expect(down.status).toBe(503);
    expect(down.body.checks.redis).toBe("down");

    await proxy.restore();
    // ioredis reconnects on its own schedule: its "ready" is the event to wait for.
    const redis = t.platform.redis!;
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
    expect((await call(t, "GET", "/readyz")).status).toBe(200);
    await t.platform.cache.set("redis-down:probe", { back: true }, 60);
    expect(await redis.get("cache:redis-down:probe")).toBe(JSON.stringify({ back: true }));
    await coreJourney(t);
  });

  it("does not let a sign-out made while Redis was away be undone by a stale cache when it returns", { timeout: 30_000 }, async () => {
    const email = "stale-session@example.com";
    const { body } = await call(t, "POST", "/api/v1/auth/signup", { body: { email, password: "correct-horse-battery", name: "Stale" } });
    const token = body.token as string;
    expect((await call(t, "GET", "/api/v1/me", { token })).status).toBe(200); // now cached in Redis

    await proxy.cut();
    expect((await call(t, "POST", "/api/v1/auth/logout", { token })).status).toBe(204);
    expect((await call(t, "GET", "/api/v1/me", { token })).status).toBe(401);

    await proxy.restore();
    const redis = t.platform.redis!;
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
    expect((await call(t, "GET", "/api/v1/me", { token })).status).toBe(401);
  });
});
