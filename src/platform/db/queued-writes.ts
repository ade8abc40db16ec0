import type { QueryResult, Tx } from "./types.js";

interface Statements extends Pick<Tx, "query" | "exec"> {
  /**
   * A statement with its parameters as literals, or undefined: given, the driver takes several
   * queued writes (and the commit) as one script, one round trip to the server.
   */
  inline?(sql: string, params?: readonly unknown[]): string | undefined;
}

/**
 * A transaction's statements plus its queued writes (`Tx.queueWrite`): every queued write runs,
 * in order, before the transaction's next statement or script, and `flush` runs what is left
 * (followed by `finish`, e.g. the commit) at the end, so the order of a transaction's writes never
 * changes. Both drivers use it.
 */
export function withQueuedWrites(inner: Statements): Pick<Tx, "query" | "exec" | "queueWrite"> & { flush(finish?: string): Promise<void> } {
  let queued: { sql: string; params?: readonly unknown[] }[] = [];
  const flush = async (finish?: string): Promise<void> => {
    const writes = queued;
    queued = [];
    if (inner.inline && writes.length + (finish ? 1 : 0) > 1) {
      const script: string[] = [];
      for (const w of writes) {
        const text = inner.inline(w.sql, w.params);
        if (text === undefined) break;
        script.push(text);
      }
      if (script.length === writes.length) {
        if (finish) script.push(finish);
        await inner.exec(script.join(";\n"));
        return;
      }
    }
    for (const w of writes) await inner.query(w.sql, w.params);
    if (finish) await inner.exec(finish);
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
