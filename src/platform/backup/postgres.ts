import { join } from "node:path";
import pg from "pg";
import type { Queryable, QueryResult } from "../db/types.js";
import { BackupError, type Manifest } from "./manifest.js";
import { findPgTool, libpqTarget, runPgTool } from "./pg-tools.js";
import { migrationNames, statsDifferences, tableStats } from "./stats.js";

// PostgreSQL mode: pg_dump in custom format. The table statistics and the dump
// read the same exported snapshot, so the manifest describes exactly what the
// dump holds even while nodes keep writing.

export const POSTGRES_DB_FILE = "database.dump";

/** What a database snapshot adds to the manifest. */
export type DatabaseSnapshot = Pick<Manifest, "database" | "tables" | "migrations">;

const queryable = (c: pg.Client): Queryable => ({
  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const r = await c.query(sql, params as unknown[] | undefined);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  },
});

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "plinth-backup", connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect().catch((err: unknown) => {
    throw new BackupError(`cannot connect to database ${new URL(url).pathname.slice(1)} on ${new URL(url).host}: ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function serverVersion(c: pg.Client): Promise<{ version: string; major: number }> {
  const r = await c.query<{ v: string; n: string }>("select current_setting('server_version') as v, current_setting('server_version_num') as n");
  return { version: r.rows[0]!.v, major: Math.floor(Number(r.rows[0]!.n) / 10_000) };
}

/** pg_dump of the whole database into folder, with statistics from the same snapshot. */
export async function dumpPostgres(url: string, folder: string): Promise<DatabaseSnapshot> {
  return withClient(url, async (c) => {
    const server = await serverVersion(c);
    const tool = await findPgTool("pg_dump", server.major);
    await c.query("begin isolation level repeatable read, read only");
    try {
      const snapshot = (await c.query<{ id: string }>("select pg_export_snapshot() as id")).rows[0]!.id;
      const target = libpqTarget(url);
      const dump = runPgTool(tool, ["--format=custom", `--snapshot=${snapshot}`, "--no-password", `--file=${join(folder, POSTGRES_DB_FILE)}`, `--dbname=${target.dbname}`], target.env);
      // The statistics are read while pg_dump copies; both settle before the snapshot goes.
      const readStats = async () => ({ tables: await tableStats(queryable(c)), migrations: await migrationNames(queryable(c)) });
      const [stats, dumped] = await Promise.allSettled([readStats(), dump]);
      if (dumped.status === "rejected") throw dumped.reason;
      if (stats.status === "rejected") throw stats.reason;
      const database = { file: POSTGRES_DB_FILE, format: "pg_dump-custom" as const, serverVersion: server.version, serverMajor: server.major, tool: tool.version };
      return { database, ...stats.value };
    } finally {
      // The exported snapshot must live until pg_dump has finished with it.
      await c.query("rollback").catch(() => undefined);
    }
  });
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables of the public schema that hold at least one row (schema_migrations aside). */
async function tablesWithRows(c: pg.Client): Promise<string[]> {
  const tables = await c.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations' order by tablename");
  const out: string[] = [];
  for (const { name } of tables.rows) {
    const r = await c.query(`select 1 from ${ident(name)} limit 1`);
    if (r.rows.length > 0) out.push(name);
  }
  return out;
}

/** Everything in the public schema goes, so a target migrated past the backup keeps no stray tables. */
async function emptyPublicSchema(c: pg.Client): Promise<void> {
  const rels = await c.query<{ kind: string; name: string }>(
    `select c.relkind as kind, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
  );
  const drop = { r: "table", p: "table", v: "view", m: "materialized view", S: "sequence", f: "foreign table" } as Record<string, string>;
  await c.query("begin");
  try {
    for (const { kind, name } of rels.rows) await c.query(`drop ${drop[kind]!} if exists public.${ident(name)} cascade`);
    await c.query("commit");
  } catch (err) {
    await c.query("rollback").catch(() => undefined);
    throw err;
  }
}

/**
 * pg_restore into the database at url, then proof that every table matches the
 * manifest. Refuses a database that holds data unless force is set.
 */
export async function restorePostgres(url: string, folder: string, manifest: Manifest, opts: { force: boolean }): Promise<void> {
  await withClient(url, async (c) => {
    const server = await serverVersion(c);
    if (server.major < manifest.database.serverMajor) {
      throw new BackupError(`this backup comes from PostgreSQL ${manifest.database.serverMajor}; the target runs ${server.major}: restore into PostgreSQL ${manifest.database.serverMajor} or newer`);
    }
    const tool = await findPgTool("pg_restore", server.major);
    const filled = await tablesWithRows(c);
    if (filled.length > 0 && !opts.force) {
      const dbName = new URL(url).pathname.slice(1);
      throw new BackupError(`database ${dbName} already holds data (rows in ${filled.length === 1 ? "1 table" : `${filled.length} tables`}: ${filled.slice(0, 3).join(", ")}${filled.length > 3 ? ", ..." : ""}); restoring replaces all of it: add --force`);
    }
    await emptyPublicSchema(c);
    const target = libpqTarget(url);
    // One transaction: a restore that fails half-way leaves the (emptied) target empty, not half-filled.
    await runPgTool(tool, ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", "--no-password", `--dbname=${target.dbname}`, join(folder, manifest.database.file)], target.env);
    await c.query("begin isolation level repeatable read, read only");
    const actual = await tableStats(queryable(c));
    await c.query("rollback");
    const differences = statsDifferences(manifest.tables, actual);
    if (differences.length > 0) throw new BackupError(`the restored database does not match the backup's manifest: ${differences.slice(0, 5).join("; ")}`);
  });
}
