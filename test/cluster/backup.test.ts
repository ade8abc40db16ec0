import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlinth, startServer, type PlinthProcess } from "../server-process.js";
import { PgCluster } from "./pg-cluster.js";

// `plinth backup` of a PostgreSQL database that a Plinth node keeps writing to:
// the dump and the manifest's table checksums come from one snapshot, so the
// restore (which checks every table against the manifest) must succeed, hold
// every write acknowledged before the backup started, and take new writes.

let cluster: PgCluster;
const servers: PlinthProcess[] = [];
const backupDir = mkdtempSync(join(tmpdir(), "plinth-cluster-backups-"));

beforeAll(async () => {
  cluster = await PgCluster.start();
});
afterAll(async () => {
  for (const s of servers) {
    s.child.kill("SIGTERM");
    await s.exited;
  }
  await cluster?.cleanup();
  rmSync(backupDir, { recursive: true, force: true });
});

async function post(port: number, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function plinth(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const proc = runPlinth(args, env);
  const { code } = await proc.exited;
  return { code, out: proc.stdout.join("\n"), err: proc.stderr.join("\n") };
}

describe("backup of a database under write load", () => {
  it("restores a consistent snapshot holding every write acknowledged before the backup began", async () => {
    const env = { DATABASE_URL: await cluster.primary.createDatabase("plinth"), PLINTH_DATA_DIR: join(cluster.root, "node-data"), LOG_LEVEL: "warn" };
    const server = await startServer(env);
    servers.push(server);
    const admin = (await post(server.port, "/api/v1/auth/signup", { email: "ops@example.com", password: "correct-horse-battery", name: "Ops" })).body;
    const org = (await post(server.port, "/api/v1/orgs", { name: "Acme", slug: "acme" }, admin.token)).body;
    const project = (await post(server.port, `/api/v1/orgs/${org.id}/projects`, { key: "OPS", name: "Operations" }, admin.token)).body;

    // Two writers keep creating tasks (and their activity, audit and outbox rows) throughout.
    const acknowledged: { id: string; at: number }[] = [];
    let writing = true;
    const writer = async (n: number) => {
      for (let i = 0; writing; i++) {
        const res = await post(server.port, `/api/v1/projects/${project.id}/tasks`, { title: `writer ${n} task ${i} 任务` }, admin.token);
        expect(res.status).toBe(201);
        acknowledged.push({ id: res.body.id as string, at: Date.now() });
      }
    };
    const writers = [writer(1), writer(2)];
    while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 50));

    const backupStarted = Date.now();
    const backup = await plinth(["backup", "--out", backupDir], env);
    const backupEnded = Date.now();
    while (acknowledged.filter((a) => a.at > backupEnded).length < 10) await new Promise((resolve) => setTimeout(resolve, 50));
    writing = false;
    await Promise.all(writers);
    expect(backup.code, backup.err).toBe(0);
    const folder = /^backup complete: (.+)$/m.exec(backup.out)![1]!;
    const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8"));

    const target = { ...env, DATABASE_URL: await cluster.primary.createDatabase("restored") };
    const restored = await plinth(["restore", "--from", folder], target);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toMatch(/tables verified against the manifest/);

    const ids = new Set((await cluster.primary.query<{ id: string }>("select id from tasks", [], "restored")).map((r) => r.id));
    expect(ids.size).toBe(manifest.tables.tasks.rows);
    expect(acknowledged.filter((a) => a.at <= backupStarted).filter((a) => !ids.has(a.id))).toEqual([]);
    expect(acknowledged.filter((a) => a.at > backupEnded).filter((a) => ids.has(a.id))).toEqual([]);
    // One snapshot: no task without its activity row, whatever moment the dump caught.
    expect(await cluster.primary.query("select count(*)::int as n from tasks t where not exists (select 1 from task_activity a where a.task_id = t.id)", [], "restored")).toEqual([{ n: 0 }]);

    // A node on the restored database works, sequences included.
    const node = await startServer(target);
    servers.push(node);
    const login = await post(node.port, "/api/v1/auth/login", { email: "ops@example.com", password: "correct-horse-battery" });
    expect(login.status).toBe(200);
    expect((await post(node.port, `/api/v1/projects/${project.id}/tasks`, { title: "after the restore" }, login.body.token)).status).toBe(201);
    console.info(`backup under load: ${acknowledged.length} tasks written, ${manifest.tables.tasks.rows} in the snapshot, backup ${backupEnded - backupStarted} ms (CLI start included)`);
  });
});
