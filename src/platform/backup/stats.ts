import type { Queryable } from "../db/types.js";

// What a backup records about each table, so a restore can prove it brought
// back exactly what was saved, before migrations touch anything.

export interface TableStats {
  rows: number;
  /** Sum of a hash of every row's text form: independent of row order and physical layout. */
  checksum: string;
}

/** A row's text form depends on session settings; these make it the same everywhere. Needs a transaction. */
const STABLE_TEXT = [
  "set local timezone = 'UTC'",
  "set local datestyle = 'ISO, MDY'",
  "set local intervalstyle = 'postgres'",
  "set local extra_float_digits = 1",
  "set local bytea_output = 'hex'",
];

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Row count and checksum of every table in the public schema; call inside one (snapshot) transaction. */
export async function tableStats(q: Queryable): Promise<Record<string, TableStats>> {
  for (const sql of STABLE_TEXT) await q.query(sql);
  const tables = await q.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by tablename");
  const out: Record<string, TableStats> = {};
  for (const { name } of tables.rows) {
    const r = await q.query<{ rows: string | number; checksum: string }>(
      `select count(*)::int8 as rows, coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::int8), 0)::text as checksum from ${quoteIdent(name)} t`,
    );
    const row = r.rows[0]!;
    out[name] = { rows: Number(row.rows), checksum: row.checksum };
  }
  return out;
}

/** Applied migrations in order; empty for a database Plinth never migrated. */
export async function migrationNames(q: Queryable): Promise<string[]> {
  const exists = await q.query<{ found: boolean }>("select to_regclass('public.schema_migrations') is not null as found");
  if (!exists.rows[0]?.found) return [];
  return (await q.query<{ name: string }>("select name from schema_migrations order by name")).rows.map((r) => r.name);
}

/** Tables whose rows differ from what the manifest recorded, for a clear refusal. */
export function statsDifferences(expected: Record<string, TableStats>, actual: Record<string, TableStats>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names.flatMap((name) => {
    const e = expected[name];
    const a = actual[name];
    if (!e) return [`${name}: not in the backup`];
    if (!a) return [`${name}: missing after restore`];
    if (e.rows !== a.rows) return [`${name}: ${a.rows} rows, the backup had ${e.rows}`];
    return e.checksum === a.checksum ? [] : [`${name}: same row count, different content`];
  });
}
