import type { Database, Tx } from "./db/index.js";
import { newId } from "./ids.js";

export interface DomainEvent {
  type: string;
  orgId: string | null;
  projectId?: string | null;
  data: Record<string, unknown>;
}

// Events written by each open transaction, for the after-commit listeners (see observeCommits).
const written = new WeakMap<Tx, DomainEvent[]>();

/** Writes events in the caller's transaction; the relay publishes them after commit. */
export async function emitEvents(tx: Tx, actorId: string | null, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into outbox_events (id, org_id, project_id, type, data, actor_id)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[], $6::uuid[])`,
    [
      events.map(() => newId()),
      events.map((e) => e.orgId),
      events.map((e) => e.projectId ?? null),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map(() => actorId),
    ],
  );
  const list = written.get(tx);
  if (list) list.push(...events);
  else written.set(tx, [...events]);
}

export type CommitListener = (events: readonly DomainEvent[]) => void;

/**
 * Wraps a database so listeners hear, right after commit, which events a transaction wrote:
 * the relay publishes at once instead of at its next poll, and this node's caches drop what
 * the write changed before the writer reads again. Never called for a rolled-back transaction.
 */
export function observeCommits(db: Database): {
  db: Database;
  onCommit: (listener: CommitListener) => void;
  /** Runs last inside every transaction, before commit (e.g. marking an idempotent request applied). */
  beforeCommit: (hook: (tx: Tx) => Promise<void>) => void;
} {
  const listeners: CommitListener[] = [];
  const hooks: ((tx: Tx) => Promise<void>)[] = [];
  const observed: Database = Object.create(db) as Database;
  observed.tx = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    let inner: Tx | undefined;
    const result = await db.tx(async (tx) => {
      inner = tx;
      const r = await fn(tx);
      for (const h of hooks) await h(tx);
      return r;
    });
    const events = inner && written.get(inner);
    if (events) {
      for (const l of listeners) {
        try {
          l(events);
        } catch {
          // A listener is an optimization (earlier publish, fresher cache); the write has committed.
        }
      }
    }
    return result;
  };
  return { db: observed, onCommit: (l) => listeners.push(l), beforeCommit: (h) => hooks.push(h) };
}
