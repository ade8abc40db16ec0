/** A committed domain event as it leaves the outbox (bus channel `events`, job payloads, WebSocket). */
export interface RelayedEvent {
  /** Event id (uuid): consumers are idempotent by it. */
  id: string;
  /** Publication order (string of a bigint); WebSocket clients resume after it. */
  seq: string;
  type: string;
  orgId: string | null;
  projectId: string | null;
  data: Record<string, unknown>;
  actorId: string | null;
  /** When the change committed (ISO). */
  at: string;
}

/** The columns of an `outbox_events` row that make a RelayedEvent. */
export interface OutboxEventRow {
  id: string;
  org_id: string | null;
  project_id: string | null;
  type: string;
  data: Record<string, unknown>;
  actor_id: string | null;
  created_at: string;
}

/** An outbox row as the event it publishes, numbered `seq` (its pub_seq). */
export function relayedEvent(r: OutboxEventRow, seq: string): RelayedEvent {
  return { id: r.id, seq, type: r.type, orgId: r.org_id, projectId: r.project_id, data: r.data, actorId: r.actor_id, at: r.created_at };
}

/** Bus channel carrying `{ events: RelayedEvent[] }` batches in publication order. */
export const EVENTS_CHANNEL = "events";

export interface EventBatch {
  events: RelayedEvent[];
}

/**
 * A consumer of committed events, run as a job per (consumer, event), retried on its own; or,
 * with `handleMany`, as one job per (consumer, relay batch).
 */
export interface EventConsumer {
  name: string;
  /** Which event types it wants; others are never enqueued for it. */
  accepts(type: string): boolean;
  handle(event: RelayedEvent): Promise<void>;
  /**
   * The events of one relay batch it accepts, in publication order, in one job: for a consumer
   * whose reads and writes can be shared across events (one transaction instead of one each).
   * Idempotent per event like `handle`, which takes over event by event if the batch fails.
   */
  handleMany?(events: RelayedEvent[]): Promise<void>;
  attempts?: number;
  backoffMs?: number;
}
