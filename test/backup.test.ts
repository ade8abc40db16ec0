import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupError } from "../src/platform/backup/index.js";
import { readVerifiedManifest } from "../src/platform/backup/manifest.js";
import { testMode } from "./app.js";
import { createScratchDatabase } from "./scratch-db.js";
import { runPlinth, startServer, type PlinthProcess } from "./server-process.js";

// `plinth backup` and `plinth restore` as an operator runs them, in child
// processes, against the mode under test: data written through HTTP, backed up,
// more written, then restored into a new database. Table checksums computed
// here (not by the code under test) must equal the backed-up state.

interface Target {
  env: Record<string, string>;
  dataDir: string;
  url?: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function newTarget(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-backup-test-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  if (testMode === "pglite") return { env: { PLINTH_DATA_DIR: dataDir }, dataDir };
  const scratch = await createScratchDatabase();
  cleanups.push(() => scratch.drop());
  return { env: { PLINTH_DATA_DIR: dataDir, DATABASE_URL: scratch.url }, dataDir, url: scratch.url };
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Opens the target's database directly (its server must be stopped in embedded mode). */
async function withDatabase<T>(target: Target, fn: (q: Query) => Promise<T>, dbDir = join(target.dataDir, "db")): Promise<T> {
  if (target.url) {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    try {
      return await fn(async (sql) => (await c.query(sql)).rows as Record<string, unknown>[]);
    } finally {
      await c.end();
    }
  }
  const db = await PGlite.create({ dataDir: dbDir });
  try {
    return await fn(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
  } finally {
    await db.close();
  }
}

/** Row count and md5 of the sorted rows of every table in the public schema. */
function tableChecksums(q: Query): Promise<Record<string, string>> {
  return (async () => {
    await q("set timezone = 'UTC'");
    const tables = await q("select tablename from pg_tables where schemaname = 'public' order by tablename");
    const out: Record<string, string> = {};
    for (const { tablename } of tables) {
      const [row] = await q(`select count(*)::text as n, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as sum from "${String(tablename)}" t`);
      out[String(tablename)] = `${String(row!.n)}:${String(row!.sum)}`;
    }
    return out;
  })();
}

const withoutMigrations = (sums: Record<string, string>) => Object.fromEntries(Object.entries(sums).filter(([name]) => name !== "schema_migrations"));

async function plinth(args: string[], target: Target): Promise<{ code: number | null; out: string; err: string }> {
  const proc: PlinthProcess = runPlinth(args, target.env);
  const { code } = await proc.exited;
  return { code, out: proc.stdout.join("\n"), err: proc.stderr.join("\n") };
}

async function stop(server: PlinthProcess): Promise<void> {
  server.child.kill("SIGTERM");
  expect((await server.exited).code).toBe(0);
}

async function api(port: number, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function created(port: number, path: string, token: string | undefined, body: unknown): Promise<any> {
  const res = await api(port, "POST", path, token, body);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

const taskTitles = (q: Query) => q("select title from tasks order by title").then((rows) => rows.map((r) => String(r.title)));

const LONG = 600_000;
let source: Target;
let backupDir: string;
let liveBackup: string;

describe(`plinth backup and restore (${testMode})`, () => {
  beforeAll(async () => {
    source = await newTarget();
    source.env.PLINTH_OPEN_SIGNUP = "true";
    backupDir = mkdtempSync(join(tmpdir(), "plinth-backups-"));
    cleanups.push(() => rmSync(backupDir, { recursive: true, force: true }));
  });

  it(
    "backs up what was written through HTTP, and restores it into a new database without the later writes",
    async () => {
      // Data written through the API of a real server.
      let server = await startServer({ ...source.env, LOG_LEVEL: "warn" });
      const admin = await created(server.port, "/api/v1/auth/signup", undefined, { email: "admin@example.com", password: "correct-horse-battery", name: "管理员" });
      const other = await created(server.port, "/api/v1/auth/signup", undefined, { email: "other@example.com", password: "correct-horse-battery", name: "Other" });
      const org = await created(server.port, "/api/v1/orgs", admin.token, { name: "Acme 工程", slug: "acme" });
      const project = await created(server.port, `/api/v1/orgs/${org.id}/projects`, admin.token, { key: "ENG", name: "Engineering" });
      for (const title of ["设计审批流程", "Write the spec", "上线准备"]) {
        const task = await created(server.port, `/api/v1/projects/${project.id}/tasks`, admin.token, { title, priority: "high" });
        await created(server.port, `/api/v1/tasks/${task.id}/comments`, admin.token, { body: `备注: ${title}` });
      }

      // The running server snapshots itself on an admin's request; nobody else may ask.
      expect((await api(server.port, "POST", "/api/v1/admin/backups", other.token)).status).toBe(403);
      const started = await api(server.port, "POST", "/api/v1/admin/backups", admin.token);
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      expect(started.body).toMatchObject({ status: "running", mode: testMode === "pglite" ? "embedded" : "postgres", trigger: "api" });
      let listed = await api(server.port, "GET", "/api/v1/admin/backups", admin.token);
      while (listed.body.items[0]?.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, 200));
        listed = await api(server.port, "GET", "/api/v1/admin/backups", admin.token);
      }
      expect(listed.body.items[0]).toMatchObject({ name: started.body.name, status: "complete", tables: expect.any(Number), schemaVersion: expect.stringMatching(/\.sql$/) });
      liveBackup = join(source.dataDir, "backups", started.body.name as string);

      if (testMode === "pglite") {
        // A second process would corrupt PGlite's files: the CLI refuses while the server runs.
        const refused = await plinth(["backup", "--out", backupDir], source);
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/in use by another Plinth process \(pid \d+.*POST \/api\/v1\/admin\/backups/);
      }
      await stop(server);

      // An older schema in the backup: restoring it under this code must migrate it.
      const before = await withDatabase(source, async (q) => {
        await q("delete from schema_migrations where name = '002_task_rank_collation.sql'");
        return tableChecksums(q);
      });
      const backup = await plinth(["backup", "--out", backupDir], source);
      expect(backup.code, backup.err).toBe(0);
      const folder = /^backup complete: (.+)$/m.exec(backup.out)?.[1];
      expect(folder).toMatch(/plinth-backup-\d{8}T\d{6}Z$/);
      const manifest = JSON.parse(readFileSync(join(folder!, "manifest.json"), "utf8"));
      expect(manifest).toMatchObject({ formatVersion: 1, mode: testMode === "pglite" ? "embedded" : "postgres", trigger: "cli" });
      expect(manifest.migrations).not.toContain("002_task_rank_collation.sql");
      expect(manifest.tables.tasks.rows).toBe(3);

      // More work after the backup.
      server = await startServer({ ...source.env, LOG_LEVEL: "warn" });
      const login = await created(server.port, "/api/v1/auth/login", undefined, { email: "admin@example.com", password: "correct-horse-battery" });
      await created(server.port, `/api/v1/projects/${project.id}/tasks`, login.token, { title: "written after the backup" });
      await stop(server);
      expect(await withDatabase(source, taskTitles)).toContain("written after the backup");

      const fresh = await newTarget();
      const restored = await plinth(["restore", "--from", folder!], fresh);
      expect(restored.code, restored.err).toBe(0);
      expect(restored.out).toMatch(/tables verified against the manifest/);
      expect(restored.out).toMatch(/migrations applied: 002_task_rank_collation\.sql/);
      const after = await withDatabase(fresh, async (q) => ({
        sums: await tableChecksums(q),
        titles: await taskTitles(q),
        migrations: (await q("select name from schema_migrations order by name")).map((r) => String(r.name)),
      }));
      expect(withoutMigrations(after.sums)).toEqual(withoutMigrations(before));
      expect(after.titles).not.toContain("written after the backup");
      expect(after.migrations).toContain("002_task_rank_collation.sql");

      // The live snapshot is a consistent database too.
      const fromLive = await newTarget();
      const live = await plinth(["restore", "--from", join(liveBackup, "manifest.json")], fromLive);
      expect(live.code, live.err).toBe(0);
      expect(await withDatabase(fromLive, taskTitles)).toEqual(["Write the spec", "上线准备", "设计审批流程"].sort());
    },
    LONG,
  );

  it(
    "refuses to restore over existing data without --force, and with it keeps what it replaced",
    async () => {
      const folder = join(backupDir, readdirSync(backupDir).find((n) => n.startsWith("plinth-backup-"))!);
      const refused = await plinth(["restore", "--from", folder], source);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/already holds (data|an embedded database).*--force/);
      expect(await withDatabase(source, taskTitles)).toContain("written after the backup");

      const forced = await plinth(["restore", "--from", folder, "--force"], source);
      expect(forced.code, forced.err).toBe(0);
      expect(await withDatabase(source, taskTitles)).not.toContain("written after the backup");
      if (testMode === "pglite") {
        const aside = readdirSync(source.dataDir).filter((n) => n.startsWith("db.before-restore-"));
        expect(aside).toHaveLength(1);
        expect(forced.out).toContain(`kept the replaced data in ${join(source.dataDir, aside[0]!)}`);
        expect(await withDatabase(source, taskTitles, join(source.dataDir, aside[0]!))).toContain("written after the backup");
      }
    },
    LONG,
  );

  it(
    "refuses a damaged backup before touching the target",
    async () => {
      const original = join(backupDir, readdirSync(backupDir).find((n) => n.startsWith("plinth-backup-"))!);
      const damaged = mkdtempSync(join(tmpdir(), "plinth-damaged-"));
      cleanups.push(() => rmSync(damaged, { recursive: true, force: true }));
      const copy = (name: string) => {
        const to = join(damaged, name);
        cpSync(original, to, { recursive: true });
        return to;
      };
      const manifest = JSON.parse(readFileSync(join(original, "manifest.json"), "utf8"));
      const dbFile = join(copy("flipped"), manifest.database.file as string);
      const bytes = readFileSync(dbFile);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(dbFile, bytes);

      const target = await newTarget();
      const refused = await plinth(["restore", "--from", join(damaged, "flipped"), "--force"], target);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/backup is damaged: the SHA-256 of database\.(dump|tar\.gz) does not match the manifest/);
      expect(existsSync(join(target.dataDir, "db"))).toBe(false);

      const edited = copy("edited");
      writeFileSync(join(edited, "manifest.json"), JSON.stringify({ ...manifest, tables: { ...manifest.tables, tasks: { rows: 99, checksum: "0" } } }, null, 2));
      await expect(readVerifiedManifest(edited)).rejects.toThrow(/seal does not match/);
      const garbled = copy("garbled");
      writeFileSync(join(garbled, "manifest.json"), readFileSync(join(garbled, "manifest.json"), "utf8").slice(0, 200));
      await expect(readVerifiedManifest(garbled)).rejects.toThrow(BackupError);
      await expect(readVerifiedManifest(garbled)).rejects.toThrow(/not valid JSON/);
      rmSync(join(copy("truncated"), manifest.database.file as string));
      await expect(readVerifiedManifest(join(damaged, "truncated"))).rejects.toThrow(/incomplete: database\.\S+ is missing/);
    },
    LONG,
  );
});
