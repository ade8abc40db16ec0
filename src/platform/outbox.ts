import type { Database, Tx } from "./db/index.js";
import { newId } from "./ids.js";

export interface DomainEvent {
  type: string;
  orgId: string | null;
  projectId?: string | null;
  data: Record<string, unknown>;
}

/**
 * Writes events in the caller's transaction (a queued write: sent before the next statement
 * or the commit); the relay publishes them after commit. The transaction also hands them to its
 * commit listeners (relay kick, the writer's own cache invalidation).
 */
export async function emitEvents(tx: Tx, actorId: string | null, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  tx.queueWrite(
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
  for (const e of events) tx.emitted.push({ type: e.type, orgId: e.orgId, projectId: e.projectId ?? null, data: e.data, actorId });
}

/**
 * Wraps a database so hooks run last inside every transaction, before its commit: a request's
 * Idempotency-Key is marked applied atomically with the write it made.
 */
export function withBeforeCommit(db: Database): { db: Database; beforeCommit: (hook: (tx: Tx) => Promise<void>) => void } {
  const hooks: ((tx: Tx) => Promise<void>)[] = [];
  const wrapped: Database = Object.create(db) as Database;
  wrapped.tx = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    db.tx(async (tx) => {
      const result = await fn(tx);
      for (const h of hooks) await h(tx);
      return result;
    });
  return { db: wrapped, beforeCommit: (h) => hooks.push(h) };
}
