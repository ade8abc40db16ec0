import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type PlinthProcess } from "../server-process.js";
import { PgCluster } from "./pg-cluster.js";

// Continuous WAL archiving and point-in-time recovery, exactly as docs/backup.md
// tells an operator to do it: a base backup, writes through Plinth, then a new
// cluster recovered to a moment between two writes holds the first, not the second.

let cluster: PgCluster;
let server: (PlinthProcess & { port: number }) | undefined;

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  if (server) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  await cluster?.cleanup();
});

async function post(path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

describe("point-in-time recovery from archived WAL", () => {
  it("recovers to a timestamp between two writes: the first is there, the second is not", async () => {
    const url = await cluster.primary.createDatabase("plinth");
    server = await startServer({ DATABASE_URL: url, LOG_LEVEL: "warn", PLINTH_DATA_DIR: `${cluster.root}/plinth-data` });
    const admin = await post("/api/v1/auth/signup", { email: "ops@example.com", password: "correct-horse-battery", name: "Ops" });
    const org = await post("/api/v1/orgs", { name: "Acme", slug: "acme" }, admin.token);
    const project = await post(`/api/v1/orgs/${org.id}/projects`, { key: "OPS", name: "Operations" }, admin.token);

    const base = await cluster.baseBackup();
    const first = await post(`/api/v1/projects/${project.id}/tasks`, { title: "first: before the target time" }, admin.token);
    // The server's own clock decides which commits fall before the target.
    const [row] = await cluster.primary.query<{ at: string }>("select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as at");
    const at = row!.at;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await post(`/api/v1/projects/${project.id}/tasks`, { title: "second: after the target time" }, admin.token);
    await cluster.archiveCurrentWal();

    const started = Date.now();
    const recovered = await cluster.pitr(base, at);
    const recoveryMs = Date.now() - started;
    const titles = (await recovered.query<{ id: string; title: string }>("select id, title from tasks order by created_at", [], "plinth")).map((r) => r.id);
    expect(titles).toContain(first.id);
    expect(titles).not.toContain(second.id);
    // The recovered cluster is a primary again: it takes writes.
    expect(await recovered.query("create table after_recovery (x int)", [], "plinth")).toEqual([]);
    console.info(`point-in-time recovery to ${at} took ${recoveryMs} ms`);
  });
});
