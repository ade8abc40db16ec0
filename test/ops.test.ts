import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { buildApp, type BuiltApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { openPglite } from "../src/platform/db/pglite.js";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { orgWithOwner, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-db.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

// Liveness, readiness, metrics, request ids and logs: what an operator and a
// load balancer rely on. In the postgres mode the database sits behind a TCP
// proxy the test can cut, so "unreachable" is real and so is the recovery.

let t: TestApp;
let owner: TestUser;
let orgId: string;
let proxy: TcpProxy | undefined;
let scratch: ScratchDatabase | undefined;

beforeAll(async () => {
  if (testMode === "postgres") {
    scratch = await createScratchDatabase();
    proxy = await startTcpProxy(scratch.url);
  }
  t = await createTestApp(proxy && scratch ? { DATABASE_URL: proxy.via(scratch.url) } : {});
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
});
afterAll(async () => {
  await t.close();
  await proxy?.close();
  await scratch?.drop();
});

interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format, the subset prom-client writes. */
function parseMetrics(text: string): MetricSample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

async function scrape(): Promise<MetricSample[]> {
  const res = await call(t, "GET", "/metrics");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(String(res.body));
}

describe("liveness and readiness", () => {
  it("answers /healthz with 200", async () => {
    const res = await call(t, "GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
  });

  it("is ready when the database (and Redis, if configured) answer", async () => {
    const res = await call(t, "GET", "/readyz");
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ draining: "no", database: "ok", ...(t.config.redisUrl ? { redis: "ok" } : {}) });
  });

  it.runIf(testMode === "postgres")("turns unready while the database is unreachable, and ready again when it is back", async () => {
    await proxy!.cut();
    const down = await call(t, "GET", "/readyz");
    expect(down.status).toBe(503);
    expect(down.body.checks.database).toBe("down");
    expect((await call(t, "GET", "/healthz")).status).toBe(200);
    await proxy!.restore();
    const up = await call(t, "GET", "/readyz");
    expect(up.status).toBe(200);
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}`, { token: owner.token })).status).toBe(200);
  });
});

describe("metrics", () => {
  it("counts requests by route pattern and status, and times them", async () => {
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}`, { token: owner.token })).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}`)).status).toBe(401);
    const samples = await scrape();
    const count = (status: string) =>
      samples.find((s) => s.name === "plinth_http_requests_total" && s.labels.route === "/api/v1/orgs/:orgId" && s.labels.method === "GET" && s.labels.status === status)?.value;
    expect(count("200")).toBeGreaterThanOrEqual(1);
    expect(count("401")).toBeGreaterThanOrEqual(1);
    // Labels carry the route pattern, never the ids in the path (bounded cardinality).
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes(orgId)))).toBe(false);
    const duration = samples.filter((s) => s.name === "plinth_http_request_duration_seconds_count" && s.labels.route === "/api/v1/orgs/:orgId");
    expect(duration.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(2);
    expect(samples.some((s) => s.name === "plinth_http_request_duration_seconds_bucket" && s.labels.le === "+Inf")).toBe(true);
  });

  it("reports the database pool and the event-loop lag", async () => {
    const samples = await scrape();
    const value = (name: string) => samples.find((s) => s.name === name)?.value;
    expect(value("plinth_db_pool_connections")).toBeGreaterThanOrEqual(1);
    expect(value("plinth_db_pool_idle")).toBeGreaterThanOrEqual(0);
    expect(value("plinth_db_pool_waiting")).toBe(0);
    expect(value("plinth_event_loop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
  });
});

describe("request ids", () => {
  it("puts an x-request-id on every response, errors and unknown routes included", async () => {
    const responses = [
      await t.app.inject({ method: "GET", url: "/healthz" }),
      await t.app.inject({ method: "GET", url: "/api/v1/me" }),
      await t.app.inject({ method: "GET", url: "/no/such/route" }),
      await t.app.inject({ method: "GET", url: "/api/v1/orgs/%zz" }),
      await t.app.inject({ method: "GET", url: `/api/v1/orgs/${"a".repeat(600)}` }),
      await t.app.inject({ method: "POST", url: "/api/v1/orgs", headers: { "content-type": "text/plain" }, payload: "x" }),
    ];
    for (const res of responses) expect(String(res.headers["x-request-id"] ?? ""), `${res.statusCode} ${res.body.slice(0, 80)}`).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(responses.map((r) => r.headers["x-request-id"])).size).toBe(responses.length);
  });

  it("echoes a well-formed incoming x-request-id and replaces a malformed one", async () => {
    const echoed = await call(t, "GET", "/healthz", { headers: { "x-request-id": "lb-7f3a:42.1" } });
    expect(echoed.headers["x-request-id"]).toBe("lb-7f3a:42.1");
    for (const bad of ["has spaces", "x".repeat(200), "<script>"]) {
      const res = await call(t, "GET", "/healthz", { headers: { "x-request-id": bad } });
      expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe("on a database that is closed", () => {
  let built: BuiltApp;
  let closedByTest = false;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    });
    const db = await openPglite({ loadDataDir: new Blob([readFileSync(inject("pgliteTemplate"))]) });
    built = await buildApp(loadConfig({ LOG_LEVEL: "info" }), { db, log: pino({ level: "info" }, sink) });
  });
  afterAll(async () => {
    // Once the test has closed the database itself, closing it again on the way out fails, as it should.
    if (closedByTest) await expect(built.app.close()).rejects.toThrow(/closed/);
    else await built.app.close();
  });

  it("logs every request as a JSON line carrying its request id", async () => {
    const res = await built.app.inject({ method: "GET", url: "/api/v1/me", headers: { "x-request-id": "trace-abc-123" } });
    expect(res.statusCode).toBe(401);
    const records = lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string; res?: { statusCode?: number } });
    const mine = records.filter((r) => r.reqId === "trace-abc-123");
    expect(mine.map((r) => r.msg)).toEqual(expect.arrayContaining(["incoming request", "request completed"]));
    expect(mine.find((r) => r.msg === "request completed")?.res?.statusCode).toBe(401);
  });

  it("is not ready while draining", async () => {
    expect((await built.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    built.startDraining();
    const res = await built.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: "unavailable", checks: { draining: "yes", database: "ok" } });
  });

  it("is not ready once the database is closed, while liveness still answers", async () => {
    await built.platform.db.close();
    closedByTest = true;
    const res = await built.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toBe("down");
    expect((await built.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });
});
