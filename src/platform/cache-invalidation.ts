import type { Bus } from "./bus.js";
import type { Database } from "./db/index.js";
import type { Logger } from "./logger.js";
import { generation, type VersionedCache } from "./versioned-cache.js";

/** The part of a domain event that decides what it invalidates. */
export interface InvalidatingEvent {
  type: string;
  orgId: string | null;
  projectId?: string | null;
  data: Record<string, unknown>;
}

/** The bus channel on which the outbox relay publishes committed domain events. */
export const EVENTS_CHANNEL = "events";

/**
 * The generations an event makes stale. Broad on purpose: a project-scoped event of any
 * type replaces the project's task generation, so a new event type cannot leave a board
 * stale; org roles and memberships change only through member.* and org.* events.
 */
export function generationsFor(e: InvalidatingEvent): string[] {
  const gens: string[] = [];
  if (e.projectId) {
    gens.push(generation.tasks(e.projectId));
    if (e.type.startsWith("project.")) gens.push(generation.access(e.projectId));
  }
  if (e.orgId && (e.type.startsWith("member.") || e.type.startsWith("org."))) gens.push(generation.org(e.orgId));
  // Every write of a task row emits task.created / task.updated / task.deleted naming it.
  if (e.type.startsWith("task.") && typeof e.data.id === "string") gens.push(generation.task(e.data.id));
  return gens;
}

const isEvent = (m: unknown): m is InvalidatingEvent => {
  if (typeof m !== "object" || m === null) return false;
  const e = m as Record<string, unknown>;
  return typeof e.type === "string" && (e.orgId === null || typeof e.orgId === "string") && typeof e.data === "object" && e.data !== null;
};

export class CacheInvalidation {
  constructor(private readonly cache: VersionedCache) {}

  /** Replaces the generations the events touch; after commit only. */
  async invalidateFor(...events: readonly InvalidatingEvent[]): Promise<void> {
    await this.cache.bump(events.flatMap(generationsFor));
  }

  /**
   * Invalidates twice: right after each commit on the writing node, so the writer (and
   * everyone) reads the new state at once, and again when the relay publishes the event, which
   * covers a node that died between its commit and its invalidation.
   */
  async start(db: Database, bus: Bus, log: Logger): Promise<() => Promise<void>> {
    db.onCommit((events) => this.invalidateFor(...events));
    return bus.subscribe(EVENTS_CHANNEL, (message) => {
      if (!isEvent(message)) return;
      this.invalidateFor(message).catch((err: unknown) => log.warn({ err }, "cache invalidation failed"));
    });
  }
}
