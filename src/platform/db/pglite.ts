import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { CommitListeners } from "./commit.js";
import { oneByOne, withQueuedWrites } from "./queued-writes.js";
import type { Database, EmittedEvent, QueryResult, Queryable } from "./types.js";
import { valueParsers } from "./types.js";

/**
 * Embedded PostgreSQL (WASM) in this process. One connection: PGlite serializes
 * transactions itself, so keep them short and never await slow I/O inside one.
 */
export type PgliteDatabase = Database & { raw: PGlite };

export async function openPglite(opts: { dataDir?: string; loadDataDir?: Blob }): Promise<PgliteDatabase> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pg = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    parsers: valueParsers,
  });
  const wrap = (q: Pick<PGlite, "query" | "exec">) => ({
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  });
  const base = wrap(pg);
  const commits = new CommitListeners();
  let queries = 0;
  const countedQuery: Queryable["query"] = (sql, params) => {
    queries++;
    return base.query(sql, params);
  };
  const counted: Queryable = { query: countedQuery };
  return {
    kind: "pglite",
    raw: pg,
    query: countedQuery,
    // No replicas in embedded mode: every read is the primary's.
    read: counted,
    readFor: () => counted,
    noteWrite: () => Promise.resolve(),
    onCommit: (listener) => commits.add(listener),
    async tx(fn) {
      const emitted: EmittedEvent[] = [];
      const result = await pg.transaction(async (t) => {
        const statements = withQueuedWrites(oneByOne(wrap(t)));
        const value = await fn({ emitted, query: statements.query, exec: statements.exec, queueWrite: statements.queueWrite });
        await statements.flush();
        return value;
      });
      await commits.committed(emitted);
      return result;
    },
    ping: async () => {
      await pg.query("select 1");
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    replicaStatus: () => [],
    queryCounts: () => ({ primary: queries, replica: 0 }),
    close: () => pg.close(),
  };
}

/** A migrated, empty database image: tests load it instead of running initdb each time. */
export async function dumpPglite(db: PgliteDatabase): Promise<Blob> {
  return db.raw.dumpDataDir("none");
}
