import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { openPglite } from "../db/pglite.js";
import type { Queryable, QueryResult } from "../db/types.js";
import { BackupError, type Manifest } from "./manifest.js";
import { migrationNames, statsDifferences, tableStats } from "./stats.js";
import type { DatabaseSnapshot } from "./postgres.js";

// Embedded mode: PGlite's data folder as a gzipped tarball. The tarball is taken
// inside a transaction of the live instance: PGlite runs one transaction at a
// time, so no write can land between the checkpoint, the table statistics and
// the copy. Requests wait for it (about a second per 40 MB of database).

export const EMBEDDED_DB_FILE = "database.tar.gz";

const queryable = (q: Pick<PGlite, "query">): Queryable => ({
  async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const r = await q.query<T>(sql, params as unknown[] | undefined);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  },
});

/** Writes a consistent snapshot of an open PGlite database into folder. */
export async function snapshotPglite(pg: PGlite, folder: string): Promise<DatabaseSnapshot> {
  const { snapshot, tarball } = await pg.transaction(async (tx) => {
    const q = queryable(tx);
    const version = (await q.query<{ v: string; n: string }>("select current_setting('server_version') as v, current_setting('server_version_num') as n")).rows[0]!;
    const tables = await tableStats(q);
    const migrations = await migrationNames(q);
    // Written-out pages make the image start without replaying WAL.
    await tx.query("checkpoint");
    // dumpDataDir takes the query lock only, which this transaction does not hold between statements.
    const blob = await pg.dumpDataDir("gzip");
    const snap: DatabaseSnapshot = {
      database: { file: EMBEDDED_DB_FILE, format: "pglite-datadir-tar-gz", serverVersion: version.v, serverMajor: Math.floor(Number(version.n) / 10_000), tool: "PGlite dumpDataDir" },
      tables,
      migrations,
    };
    return { snapshot: snap, tarball: Buffer.from(await blob.arrayBuffer()) };
  });
  writeFileSync(join(folder, EMBEDDED_DB_FILE), tarball);
  return snapshot;
}

/** True when dbDir holds a PostgreSQL data folder. */
export const hasEmbeddedDatabase = (dbDir: string): boolean => existsSync(join(dbDir, "PG_VERSION"));

/**
 * Unpacks the snapshot next to dbDir, proves its tables match the manifest, then
 * swaps it in. The database it replaces is renamed, never deleted. The caller
 * holds the data folder lock.
 */
export async function restorePglite(dbDir: string, folder: string, manifest: Manifest, opts: { force: boolean; stamp: string }): Promise<{ movedAside?: string }> {
  const existing = hasEmbeddedDatabase(dbDir);
  if (existing && !opts.force) {
    throw new BackupError(`${dbDir} already holds an embedded database; restoring replaces it (the old one is kept beside it as ${dbDir}.before-restore-${opts.stamp}): add --force`);
  }
  const staging = `${dbDir}.restoring-${opts.stamp}`;
  try {
    const db = await openPglite({ dataDir: staging, loadDataDir: new Blob([readFileSync(join(folder, manifest.database.file))]) });
    try {
      const actual = await db.raw.transaction((tx) => tableStats(queryable(tx)));
      const differences = statsDifferences(manifest.tables, actual);
      if (differences.length > 0) throw new BackupError(`the restored database does not match the backup's manifest: ${differences.slice(0, 5).join("; ")}`);
    } finally {
      await db.close();
    }
  } catch (err) {
    // Only the half-unpacked copy goes; the database in use was not touched yet.
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  let movedAside: string | undefined;
  if (existsSync(dbDir)) {
    movedAside = `${dbDir}.before-restore-${opts.stamp}`;
    renameSync(dbDir, movedAside);
  }
  renameSync(staging, dbDir);
  return movedAside ? { movedAside } : {};
}
