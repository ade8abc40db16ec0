import pg from "pg";
import { CommitListeners } from "./commit.js";
import { forgetIfStale, ScriptRunner, statementName } from "./pg-scripts.js";
import { withQueuedWrites } from "./queued-writes.js";
import { ReplicaSet, type WriteMark, type WriteMarks } from "./replicas.js";
import type { Database, EmittedEvent, QueryResult, Queryable, Reader, Tx } from "./types.js";
import { valueParsers } from "./types.js";

// Our parsers for the types we normalize; node-postgres' own for everything else.
const getParser = pg.types.getTypeParser as (oid: number, format: "text") => (v: string) => unknown;
const typeParser = (oid: number): ((v: string) => unknown) => valueParsers[oid] ?? getParser(oid, "text");
const TYPES: pg.CustomTypesConfig = { getTypeParser: typeParser };

async function run<T>(c: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
  const name = params && params.length > 0 ? statementName(sql) : undefined;
  try {
    const r = await c.query({ text: sql, values: params as unknown[] | undefined, types: TYPES, ...(name ? { name } : {}) });
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  } catch (err) {
    if (name) forgetIfStale(err, [sql]);
    throw err;
  }
}

export interface PostgresOptions {
  url: string;
  readUrls: string[];
  poolSize: number;
  statementTimeoutMs: number;
  applicationName?: string;
  /** Replica lag beyond which a replica leaves the rotation. */
  replicaMaxLagMs?: number;
  /** Read-your-writes window; marks live in `writeMarks` (the cache) so every node honours them. */
  readYourWritesMs?: number;
  writeMarks?: WriteMarks;
  replicaProbeIntervalMs?: number;
}

/** Marks kept in this process only: enough for one node (and for callers that pass none). */
function localMarks(): WriteMarks {
  const marks = new Map<string, WriteMark>();
  return {
    get: (userId) => Promise.resolve(marks.get(userId)),
    set: (userId, mark) => {
      if (marks.size > 50_000) marks.clear();
      marks.set(userId, mark);
      return Promise.resolve();
    },
  };
}

/** node-postgres pools: one primary for writes, optional replicas for reads. */
export function openPostgres(opts: PostgresOptions): Database {
  const make = (connectionString: string, applicationName: string) => {
    const pool = new pg.Pool({
      connectionString,
      max: opts.poolSize,
      statement_timeout: opts.statementTimeoutMs,
      application_name: opts.applicationName ?? applicationName,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its server must not crash the process; the pool replaces it.
    pool.on("error", () => undefined);
    return pool;
  };
  const primary = make(opts.url, "plinth");
  const replicas = new ReplicaSet(primary, opts.readUrls, (u) => make(u, "plinth-replica"), {
    maxLagMs: opts.replicaMaxLagMs ?? 1000,
    readYourWritesMs: opts.readYourWritesMs ?? 5000,
    probeIntervalMs: opts.replicaProbeIntervalMs ?? 1000,
    marks: opts.writeMarks ?? localMarks(),
  });
  replicas.start();
  const commits = new CommitListeners();
  const counts = { primary: 0, replica: 0 };

  const onPrimary = <T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    counts.primary++;
    return run<T>(primary, sql, params);
  };
  // A replica that fails a read is retried on the primary: the caller never sees a replica's trouble.
  const onReplica = async <T>(mark: WriteMark | undefined, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    const replica = replicas.pick(mark);
    if (!replica) return onPrimary<T>(sql, params);
    try {
      const r = await run<T>(replica.pool, sql, params);
      counts.replica++;
      return r;
    } catch (err) {
      replicas.failed(replica, err);
      return onPrimary<T>(sql, params);
    }
  };
  const base: Queryable = { query: onPrimary };
  const read: Queryable = replicas.size === 0 ? base : { query: (sql, params) => onReplica(undefined, sql, params) };
  const readFor = (reader: Reader): Queryable =>
    replicas.size === 0
      ? base
      : {
          async query<T>(sql: string, params?: readonly unknown[]) {
            const mark = await replicas.markOf(reader);
            return mark === "unknown" ? onPrimary<T>(sql, params) : onReplica<T>(mark, sql, params);
          },
        };

  return {
    kind: "postgres",
    query: onPrimary,
    read,
    readFor,
    noteWrite: (reader) => replicas.noteWrite(reader),
    onCommit: (listener) => commits.add(listener),
    async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await primary.connect();
      // A connection lost while the transaction awaits something else is reported
      // as an 'error' event on the checked-out client; without a listener that
      // would crash the process. The next query fails instead, and the client is
      // discarded on release.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on("error", onError);
      const emitted: EmittedEvent[] = [];
      let result: T;
      const runner = new ScriptRunner(client, <R>(sql: string, params?: readonly unknown[]) => run<R>(client, sql, params), TYPES);
      const statements = withQueuedWrites({
        run: (list) => {
          // Queries sent to the primary, as before: not the begin, commit or scripts run with exec.
          counts.primary += list.filter((st) => !st.raw).length;
          return runner.run(list);
        },
      });
      try {
        result = await fn({ emitted, query: statements.query, exec: statements.exec, queueWrite: statements.queueWrite });
        // The queued writes go with the commit (one round trip); a transaction that sent nothing has nothing to commit.
        if (runner.started || statements.queuedCount() > 0) await statements.flush("commit");
      } catch (err) {
        if (runner.started) {
          await client.query("rollback").catch((e: unknown) => {
            broken ??= e instanceof Error ? e : new Error(String(e));
          });
        }
        if (runner.discard) broken ??= err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
      await commits.committed(emitted);
      return result;
    },
    ping: async () => {
      await primary.query("select 1");
    },
    poolStats: () => ({ total: primary.totalCount, idle: primary.idleCount, waiting: primary.waitingCount }),
    replicaStatus: () => replicas.status(),
    queryCounts: () => ({ ...counts }),
    close: async () => {
      await replicas.close();
      await primary.end();
    },
  };
}
