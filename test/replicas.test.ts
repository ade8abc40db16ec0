import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "../src/app.js";
import { createLogger } from "../src/platform/logger.js";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { orgWithOwner, signup, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

// Read/write splitting. A "replica" here is the file's own database reached under another
// application_name, so each read shows which pool served it; real streaming replicas (lag,
// replay positions) are the cluster suite's. Reads for a user go to a replica in rotation
// unless that user just wrote; a replica that fails is skipped and the read retried on the
// primary, never failing the request.

const REPLICA_APP = "plinth-replica-test";

/** The file's database URL under the replica's application_name. */
const asReplica = (url: string, appName = REPLICA_APP) => {
  const u = new URL(url);
  u.searchParams.set("application_name", appName);
  return u.toString();
};

async function servedBy(t: { platform: BuiltApp["platform"] }, user: { id: string }): Promise<string> {
  const r = await t.platform.db.readFor({ userId: user.id }).query<{ app: string }>("select current_setting('application_name') as app");
  return r.rows[0]!.app;
}

async function metricsText(t: TestApp): Promise<string> {
  return (await call(t, "GET", "/metrics")).body as string;
}

async function inRotation(t: { platform: BuiltApp["platform"] }): Promise<boolean[]> {
  return t.platform.db.replicaStatus().map((r) => r.inRotation);
}

/** Waits for the replicas' rotation to read `expected` (outside a test, where expect.poll is not allowed). */
async function rotationBecomes(t: { platform: BuiltApp["platform"] }, expected: boolean[], timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (JSON.stringify(await inRotation(t)) !== JSON.stringify(expected)) {
    if (Date.now() > until) throw new Error(`replica rotation is ${JSON.stringify(await inRotation(t))}, not ${JSON.stringify(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A localhost port where nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof addr !== "object" || !addr) throw new Error("no port");
  return addr.port;
}

describe.runIf(testMode === "pglite")("embedded mode", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("has no replicas: every read is the primary's", async () => {
    const { owner, org } = await orgWithOwner(t);
    expect((await call(t, "GET", `/api/v1/orgs/${org.id}/projects`, { token: owner.token })).status).toBe(200);
    expect(t.platform.db.replicaStatus()).toEqual([]);
    expect(t.platform.db.queryCounts().replica).toBe(0);
    const text = await metricsText(t);
    expect(text).toMatch(/^plinth_db_queries_total\{pool="primary"\} [1-9]/m);
    expect(text).not.toMatch(/^plinth_db_replica_in_rotation\{/m);
  });
});

describe.runIf(testMode === "postgres")("read replicas", () => {
  let t: TestApp;
  let secondNode: BuiltApp;
  beforeAll(async () => {
    t = await createTestApp((url) => ({ DATABASE_READ_URLS: asReplica(url!), PLINTH_READ_YOUR_WRITES_MS: "1500" }));
    // A second node on the same database and Redis prefix: marks must be seen cluster-wide.
    secondNode = await buildApp(t.config, { log: createLogger("silent") });
    await rotationBecomes(t, [true]);
    await rotationBecomes(secondNode, [true]);
  });
  afterAll(async () => {
    await secondNode.app.close();
    await t.close();
  });

  it("serves a user's reads from the replica, and from the primary right after their own write", async () => {
    const { owner, org } = await orgWithOwner(t);
    const reader = await signup(t);
    // owner just wrote (signup, org); reader's last write was signing up, also a mark: wait it out.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await servedBy(t, owner)).toBe(REPLICA_APP);
    expect(await servedBy(t, reader)).toBe(REPLICA_APP);

    const before = t.platform.db.queryCounts().replica;
    expect((await call(t, "GET", `/api/v1/orgs/${org.id}/projects`, { token: owner.token })).status).toBe(200);
    expect(t.platform.db.queryCounts().replica).toBeGreaterThan(before);

    const created = await call(t, "POST", `/api/v1/orgs/${org.id}/projects`, { token: owner.token, body: { key: "RYW", name: "Read your writes" } });
    expect(created.status).toBe(201);
    expect(await servedBy(t, owner)).toBe("plinth");
    // Marks live in Redis, so another node honours them too (without Redis each node has its own).
    if (t.config.redisUrl) expect(await servedBy(secondNode, owner)).toBe("plinth");
    expect(await servedBy(t, reader)).toBe(REPLICA_APP);
    const list = await call(t, "GET", `/api/v1/orgs/${org.id}/projects`, { token: owner.token });
    expect(list.body.items.map((p: { key: string }) => p.key)).toEqual(["RYW"]);

    // The window passes: the replica has had time to replay the write.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await servedBy(t, owner)).toBe(REPLICA_APP);
  });

  it("does not mark a refused write", async () => {
    const user: TestUser = await signup(t);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const refused = await call(t, "POST", "/api/v1/orgs", { token: user.token, body: { name: "", slug: "x" } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(await servedBy(t, user)).toBe(REPLICA_APP);
  });

  it("exports replica lag, rotation and the pool that served each query", async () => {
    const text = await metricsText(t);
    expect(text).toMatch(/^plinth_db_replica_lag_seconds\{replica="127\.0\.0\.1:\d+"\} 0$/m);
    expect(text).toMatch(/^plinth_db_replica_in_rotation\{replica="127\.0\.0\.1:\d+"\} 1$/m);
    expect(text).toMatch(/^plinth_db_queries_total\{pool="replica"\} [1-9]/m);
    expect(text).toMatch(/^plinth_db_queries_total\{pool="primary"\} [1-9]/m);
  });
});

describe.runIf(testMode === "postgres")("a replica that is down or goes down", () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let dead: number;
  beforeAll(async () => {
    proxy = await startTcpProxy(process.env.TEST_DATABASE_URL!);
    dead = await deadPort();
    t = await createTestApp((url) => {
      const dying = new URL(proxy.via(asReplica(url!)));
      const nowhere = new URL(asReplica(url!));
      nowhere.port = String(dead);
      return { DATABASE_READ_URLS: `${dying.toString()},${nowhere.toString()}`, PLINTH_READ_YOUR_WRITES_MS: "0" };
    });
    await rotationBecomes(t, [true, false]);
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  it("keeps a dead replica out of rotation, and retries a failing replica's reads on the primary", { timeout: 30_000 }, async () => {
    const { owner, org } = await orgWithOwner(t);
    const text = await metricsText(t);
    expect(text).toMatch(new RegExp(`^plinth_db_replica_in_rotation\\{replica="127\\.0\\.0\\.1:${dead}"\\} 0$`, "m"));
    expect(text).not.toMatch(new RegExp(`^plinth_db_replica_lag_seconds\\{replica="127\\.0\\.0\\.1:${dead}"\\}`, "m"));
    expect(await servedBy(t, owner)).toBe(REPLICA_APP);

    await proxy.cut();
    // The replica still counts as in rotation until a read fails or the probe notices.
    for (let i = 0; i < 5; i++) {
      const r = await call(t, "GET", `/api/v1/orgs/${org.id}/projects`, { token: owner.token });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    expect(await inRotation(t)).toEqual([false, false]);
    expect(await servedBy(t, owner)).toBe("plinth");

    await proxy.restore();
    await expect.poll(() => inRotation(t), { timeout: 10_000 }).toEqual([true, false]);
    expect(await servedBy(t, owner)).toBe(REPLICA_APP);
  });
});
