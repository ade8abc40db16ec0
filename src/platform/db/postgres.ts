import pg from "pg";
import type { Database, QueryResult, Queryable, Tx } from "./types.js";
import { valueParsers } from "./types.js";

// Our parsers for the types we normalize; node-postgres' own for everything else.
const getParser = pg.types.getTypeParser as (oid: number, format: "text") => (v: string) => unknown;
const typeParser = (oid: number): ((v: string) => unknown) => valueParsers[oid] ?? getParser(oid, "text");

function wrap(c: pg.Pool | pg.PoolClient): Tx {
  return {
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await c.query({ text: sql, values: params as unknown[] | undefined, types: { getTypeParser: typeParser } });
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
  };
}

export interface PostgresOptions {
  url: string;
  readUrls: string[];
  poolSize: number;
  statementTimeoutMs: number;
  applicationName?: string;
}

/** node-postgres pools: one primary for writes, optional replicas for reads. */
export function openPostgres(opts: PostgresOptions): Database {
  const make = (connectionString: string) => {
    const pool = new pg.Pool({
      connectionString,
      max: opts.poolSize,
      statement_timeout: opts.statementTimeoutMs,
      application_name: opts.applicationName ?? "plinth",
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its server must not crash the process; the pool replaces it.
    pool.on("error", () => undefined);
    return pool;
  };
  const primary = make(opts.url);
  const replicas = opts.readUrls.map(make);
  let next = 0;
  const base = wrap(primary);
  const read: Queryable =
    replicas.length === 0
      ? base
      : {
          query: (sql, params) => wrap(replicas[next++ % replicas.length]!).query(sql, params),
        };
  return {
    kind: "postgres",
    query: (sql, params) => base.query(sql, params),
    read,
    async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await primary.connect();
      try {
        await client.query("begin");
        const result = await fn(wrap(client));
        await client.query("commit");
        return result;
      } catch (err) {
        await client.query("rollback").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await primary.query("select 1");
    },
    poolStats: () => ({ total: primary.totalCount, idle: primary.idleCount, waiting: primary.waitingCount }),
    close: async () => {
      await Promise.all([primary.end(), ...replicas.map((r) => r.end())]);
    },
  };
}
