import type { QueryResult, Tx } from "./types.js";

/** One statement of a transaction: parameterized, or a raw script (`exec`, the commit). */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
  raw?: boolean;
}

/** How a driver runs a transaction's statements: in order, in as few round trips as it can. */
export interface StatementRunner {
  /** Runs `statements` in order and answers the last one's result. */
  run<T>(statements: readonly Statement[]): Promise<QueryResult<T>>;
}

/**
 * A transaction's statements plus its queued writes (`Tx.queueWrite`): the queued writes go,
 * in order, with the transaction's next statement or script, and `flush` sends what is left
 * (followed by `finish`, e.g. the commit) at the end, so the order of a transaction's writes
 * never changes. Both drivers use it.
 */
export function withQueuedWrites(runner: StatementRunner): Pick<Tx, "query" | "exec" | "queueWrite"> & { flush(finish?: string): Promise<void>; queuedCount(): number } {
  let queued: Statement[] = [];
  const take = (...last: Statement[]): Statement[] => {
    const all = [...queued, ...last];
    queued = [];
    return all;
  };
  return {
    async flush(finish?: string): Promise<void> {
      const all = take(...(finish ? [{ sql: finish, raw: true }] : []));
      if (all.length > 0) await runner.run(all);
    },
    query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      return runner.run<T>(take({ sql, params }));
    },
    async exec(sql: string): Promise<void> {
      await runner.run(take({ sql, raw: true }));
    },
    queueWrite(sql: string, params?: readonly unknown[]): void {
      queued.push({ sql, params });
    },
    queuedCount: () => queued.length,
  };
}

const NO_ROWS: QueryResult<never> = { rows: [], rowCount: 0 };

/** The plain runner: one statement after another (PGlite, and PostgreSQL's fallback). */
export function oneByOne(inner: Pick<Tx, "query" | "exec">): StatementRunner {
  return {
    async run<T>(statements: readonly Statement[]): Promise<QueryResult<T>> {
      let last: QueryResult<T> = NO_ROWS;
      for (const s of statements) {
        if (s.raw) {
          await inner.exec(s.sql);
          last = NO_ROWS;
        } else last = await inner.query<T>(s.sql, s.params);
      }
      return last;
    },
  };
}
