/** Anything that runs a parameterized query: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** A transaction handle; repositories take it as their first argument. */
export interface Tx extends Queryable {
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs fn on a replica when one is configured and the caller has not written recently. */
  read: Queryable;
  ping(): Promise<void>;
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

// Rows look the same on both drivers: dates as YYYY-MM-DD, timestamps as ISO
// strings, int8 and numeric as numbers (counts and sums stay well below 2^53).
export const TYPE_OIDS = { INT8: 20, NUMERIC: 1700, DATE: 1082, TIMESTAMPTZ: 1184, TIMESTAMP: 1114 } as const;

export const parseTimestamp = (v: string): string => new Date(v.includes("T") || v.endsWith("Z") ? v : v.replace(" ", "T")).toISOString();

export const valueParsers: Record<number, (v: string) => unknown> = {
  [TYPE_OIDS.INT8]: (v) => Number(v),
  [TYPE_OIDS.NUMERIC]: (v) => Number(v),
  [TYPE_OIDS.DATE]: (v) => v,
  [TYPE_OIDS.TIMESTAMPTZ]: (v) => new Date(normalizeTz(v)).toISOString(),
  [TYPE_OIDS.TIMESTAMP]: (v) => parseTimestamp(v),
};

// PostgreSQL prints "2026-11-25 21:23:20.501+00"; Date wants "+00:00".
function normalizeTz(v: string): string {
  const s = v.replace(" ", "T");
  return /[+-]\d\d$/.test(s) ? `${s}:00` : s;
}
