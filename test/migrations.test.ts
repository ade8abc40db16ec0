import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/platform/db/index.js";
import { listMigrations, migrate, migrationsDir } from "../src/platform/db/migrate.js";
import { openPglite } from "../src/platform/db/pglite.js";
import { openPostgres } from "../src/platform/db/postgres.js";
import { testMode } from "./app.js";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-db.js";
import { runPlinth, serverStorage, type ServerStorage } from "./server-process.js";

// N nodes may start at once on a fresh database: migrations run under an
// advisory lock, so each file is applied exactly once and the others find
// nothing left to do. The real migrations run, plus one that counts its runs.

let dir: string;
let names: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "plinth-migrations-"));
  for (const m of listMigrations()) copyFileSync(join(migrationsDir, m.name), join(dir, m.name));
  // Not idempotent on purpose: a second application would insert a second row.
  writeFileSync(join(dir, "999_count_runs.sql"), "create table if not exists migration_runs (at timestamptz not null default now());\ninsert into migration_runs default values;\n");
  names = listMigrations(dir).map((m) => m.name);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migrate()", () => {
  let scratch: ScratchDatabase | undefined;
  const opened: Database[] = [];
  afterAll(async () => {
    for (const db of opened) await db.close();
    await scratch?.drop();
  });

  /** Two handles on one fresh database: the same PGlite instance, or two separate PostgreSQL pools. */
  async function twoConnections(): Promise<[Database, Database]> {
    if (testMode === "pglite") {
      const db = await openPglite({});
      opened.push(db);
      return [db, db];
    }
    scratch = await createScratchDatabase();
    const open = () => openPostgres({ url: scratch!.url, readUrls: [], poolSize: 2, statementTimeoutMs: 60_000 });
    const pair: [Database, Database] = [open(), open()];
    opened.push(...pair);
    return pair;
  }

  it("applies each file exactly once when two runs race on a fresh database", async () => {
    const [first, second] = await twoConnections();
    const results = await Promise.all([migrate(first, dir), migrate(second, dir)]);
    expect(results.map((r) => r.length).sort((x, y) => x - y)).toEqual([0, names.length]);
    expect(results.find((r) => r.length > 0)).toEqual(names);

    const recorded = await first.query<{ name: string }>("select name from schema_migrations order by name");
    expect(recorded.rows.map((r) => r.name)).toEqual(names);
    const runs = await second.query<{ n: number }>("select count(*)::int as n from migration_runs");
    expect(runs.rows[0]?.n).toBe(1);
    expect(await migrate(second, dir)).toEqual([]);
  });
});

describe("plinth migrate", () => {
  let storage: ServerStorage;
  beforeAll(async () => {
    storage = await serverStorage();
  });
  afterAll(async () => storage.cleanup());

  it("applies the pending migrations, then reports the database up to date", async () => {
    const first = runPlinth(["migrate"], storage.env);
    expect(await first.exited, first.stderr.join("\n")).toEqual({ code: 0, signal: null });
    const real = listMigrations().map((m) => m.name);
    expect(first.stdout).toContain(`applied: ${real.join(", ")}`);

    const again = runPlinth(["migrate"], storage.env);
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(again.stdout).toContain("database is up to date");
  });

  it.runIf(testMode === "postgres")("lets several nodes migrate the same fresh database at once", async () => {
    const fresh = await serverStorage();
    try {
      const nodes = [runPlinth(["migrate"], fresh.env), runPlinth(["migrate"], fresh.env), runPlinth(["migrate"], fresh.env)];
      for (const node of nodes) expect(await node.exited, node.stderr.join("\n")).toEqual({ code: 0, signal: null });
      const outputs = nodes.map((n) => n.stdout.join("\n")).sort();
      expect(outputs.filter((o) => o.startsWith("applied: "))).toHaveLength(1);
      expect(outputs.filter((o) => o === "database is up to date")).toHaveLength(2);
    } finally {
      await fresh.cleanup();
    }
  });
});
