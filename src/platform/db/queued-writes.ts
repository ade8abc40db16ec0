import type { QueryResult, Tx } from "./types.js";

type Statements = Pick<Tx, "query" | "exec">;

/**
 * A transaction's statements plus its queued writes (`Tx.queueWrite`): every queued write runs,
 * in order, before the transaction's next statement or script, and `flush` runs what is left
 * before the commit, so the order of a transaction's writes never changes. Both drivers use it.
 */
export function withQueuedWrites(inner: Statements): Pick<Tx, "query" | "exec" | "queueWrite"> & { flush(): Promise<void> } {
  let queued: { sql: string; params?: readonly unknown[] }[] = [];
  const flush = async (): Promise<void> => {
    const writes = queued;
    queued = [];
    for (const w of writes) await inner.query(w.sql, w.params);
  };
  return {
    flush,
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      await flush();
      return inner.query<T>(sql, params);
    },
    async exec(sql: string): Promise<void> {
      await flush();
      await inner.exec(sql);
    },
    queueWrite(sql: string, params?: readonly unknown[]): void {
      queued.push({ sql, params });
    },
  };
}
