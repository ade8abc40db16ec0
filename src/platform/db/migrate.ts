import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./types.js";

// Forward-only numbered SQL files. All pending files run in one transaction
// under a transaction-scoped advisory lock, so N nodes may start at once: the
// first applies them, the others wait, then find nothing left to do.
const MIGRATION_LOCK = 72_640_001;

// The nearest migrations/ folder above this file: src/platform/db when run from
// source, dist/src/platform/db when built.
function findMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "migrations");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("migrations folder not found above " + fileURLToPath(import.meta.url));
}

export const migrationsDir = findMigrationsDir();

export function listMigrations(dir = migrationsDir): { name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

/** Applies pending migrations; returns the names applied by this call. */
export async function migrate(db: Database, dir = migrationsDir): Promise<string[]> {
  const files = listMigrations(dir);
  return db.tx(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.exec(
      "create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())",
    );
    const done = new Set((await tx.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f.name)) continue;
      await tx.exec(f.sql);
      await tx.query("insert into schema_migrations (name) values ($1)", [f.name]);
      applied.push(f.name);
    }
    return applied;
  });
}
