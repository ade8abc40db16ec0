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

/** Bus channel carrying `{ events: RelayedEvent[] }` batches in publication order. */
export const EVENTS_CHANNEL = "events";

export interface EventBatch {
  events: RelayedEvent[];
}

/** A consumer of committed events, run as a job per (consumer, event): retried on its own. */
export interface EventConsumer {
  name: string;
  /** Which event types it wants; others are never enqueued for it. */
  accepts(type: string): boolean;
  handle(event: RelayedEvent): Promise<void>;
  attempts?: number;
  backoffMs?: number;
}
