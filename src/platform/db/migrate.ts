import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./types.js";

// Forward-only numbered SQL files. All pending files run in one transaction
// under a transaction-scoped advisory lock, so N nodes may start at once: the
// first applies them, the others wait, then find nothing left to do.
const MIGRATION_LOCK = 72_640_001;

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), "../../../migrations");

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
