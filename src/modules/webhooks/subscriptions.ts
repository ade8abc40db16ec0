import type { Bus } from "../../platform/bus.js";
import type { Database } from "../../platform/db/index.js";
import type { Logger } from "../../platform/logger.js";
import { matchesAny } from "./filters.js";
import { webhooksRepo } from "./repository.js";

const CHANNEL = "webhooks.changed";
/** A lost change message costs at most this much staleness. */
const MAX_AGE_MS = 30_000;

/**
 * The event patterns any active webhook listens to, known on every node, so the outbox
 * relay enqueues a webhook job only for events some webhook wants (most events concern
 * none). Unknown (starting, or just changed) means "maybe": nothing is skipped wrongly.
 */
export class SubscribedTypes {
  private patterns: string[] | undefined;
  private loadedAt = 0;
  private generation = 0;
  private loading: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {
    bus
      .subscribe(CHANNEL, () => this.forget())
      .then((off) => (this.unsubscribe = off))
      .catch((err: unknown) => log.warn({ err }, "webhook subscription updates unavailable; relying on periodic refresh"));
  }

  /** Whether some active webhook may want events of this type. */
  mayWant(type: string): boolean {
    if (Date.now() - this.loadedAt > MAX_AGE_MS) this.refresh();
    return this.patterns === undefined || matchesAny(this.patterns, type);
  }

  /** After a committed change here: forget at once, and tell the other nodes. */
  async changed(): Promise<void> {
    this.forget();
    await this.bus.publish(CHANNEL, {}).catch((err: unknown) => this.log.warn({ err }, "could not announce a webhook change"));
  }

  async close(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
    await this.loading;
  }

  private forget(): void {
    this.generation++;
    this.patterns = undefined;
    this.refresh();
  }

  private refresh(): void {
    if (this.loading) return;
    const generation = this.generation;
    this.loading = webhooksRepo
      .subscribedPatterns(this.db)
      .then((patterns) => {
        // A change announced while reading may not be in what was read.
        if (generation !== this.generation) return;
        this.patterns = patterns;
        this.loadedAt = Date.now();
      })
      .catch((err: unknown) => this.log.warn({ err }, "could not load webhook subscriptions"))
      .finally(() => {
        this.loading = undefined;
        if (generation !== this.generation) this.refresh();
      });
  }
}
