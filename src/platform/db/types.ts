/** Anything that runs a parameterized query: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** A domain event as written to the outbox (see platform/outbox.ts). */
export interface EmittedEvent {
  type: string;
  orgId: string | null;
  projectId: string | null;
  data: Record<string, unknown>;
  actorId: string | null;
}

/** A transaction handle; repositories take it as their first argument. */
export interface Tx extends Queryable {
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Outbox events written in this transaction so far; commit listeners get them once it has committed. */
  readonly emitted: EmittedEvent[];
  /**
   * Queues a write whose result nobody reads (audit records, outbox rows). It runs in order,
   * before the transaction's next statement or its commit (nothing waits for it in between). Its
   * failure fails that statement (or the commit) and rolls back.
   */
  queueWrite(sql: string, params?: readonly unknown[]): void;
}

/** Told, right after a commit, which events the transaction wrote (cache invalidation). Never throws. */
export type CommitListener = (events: readonly EmittedEvent[]) => Promise<void>;

/** Whoever a read is made for: the authenticated caller (an Actor fits). */
export interface Reader {
  readonly userId: string;
}

export interface ReplicaStatus {
  /** host:port of the replica (no credentials), the label of its metrics. */
  name: string;
  /** Replay lag in seconds at the last probe; NaN before the first answer or while unreachable. */
  lagSeconds: number;
  inRotation: boolean;
}

export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Reads for no one in particular (background work): a replica in rotation, else the primary. */
  read: Queryable;
  /**
   * Reads on behalf of a user: a replica in rotation, unless the user wrote recently and the
   * replica may not have replayed that write yet (then the primary). Decided once per reader
   * object, so pass the request's Actor.
   */
  readFor(reader: Reader): Queryable;
  /** After the reader's write has committed: their reads stay on the primary until replicas have it. */
  noteWrite(reader: Reader): Promise<void>;
  /** Adds a listener called after every commit that wrote outbox events. */
  onCommit(listener: CommitListener): void;
  ping(): Promise<void>;
  poolStats(): { total: number; idle: number; waiting: number };
  /** Replicas and their health (empty without replicas). */
  replicaStatus(): ReplicaStatus[];
  /** Queries run so far, per pool: which one served a read is visible in the metrics. */
  queryCounts(): { primary: number; replica: number };
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
