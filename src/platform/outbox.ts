import type { Tx } from "./db/index.js";
import { newId } from "./ids.js";

export interface DomainEvent {
  type: string;
  orgId: string | null;
  projectId?: string | null;
  data: Record<string, unknown>;
}

/**
 * Writes events in the caller's transaction; the relay publishes them after commit. The
 * transaction also hands them to its commit listeners (the writer's own cache invalidation).
 */
export async function emitEvents(tx: Tx, actorId: string | null, events: DomainEvent[]): Promise<void> {
  for (const e of events) {
    await tx.query(
      "insert into outbox_events (id, org_id, project_id, type, data, actor_id) values ($1, $2, $3, $4, $5, $6)",
      [newId(), e.orgId, e.projectId ?? null, e.type, JSON.stringify(e.data), actorId],
    );
    tx.emitted.push({ type: e.type, orgId: e.orgId, projectId: e.projectId ?? null, data: e.data, actorId });
  }
}
