import type { Bus } from "../bus.js";
import type { Database, Tx } from "../db/index.js";
import type { JobQueue, NewJob } from "../jobs/index.js";
import type { Logger } from "../logger.js";
import { EVENTS_CHANNEL, relayedEvent, type EventBatch, type EventConsumer, type OutboxEventRow, type RelayedEvent } from "./types.js";

export interface RelayOptions {
  batchSize?: number;
  pollMs?: number;
  /**
   * How long a kick waits for more commits before publishing (default 5 ms): under load a batch
   * then carries the events of several transactions, and one relay transaction, one bus message
   * and one job per consumer serve them all.
   */
  gatherMs?: number;
  retentionHours: number;
  /** Test hook: runs after publishing and before marking done, to simulate a crash there. */
  beforeMarkDone?: (events: RelayedEvent[]) => Promise<void>;
}

// Publishers take turns: publication order (pub_seq) must equal commit order of the relay's
// transactions, or a client resuming after event N could miss one numbered below N.
const RELAY_LOCK = 0x706c6e74_01;

/**
 * Takes the turn, claims the oldest unpublished rows, numbers them and marks them published,
 * in one round trip. The turn is taken once (a materialized CTE) before any row is read; the
 * i-th smallest seq gets the i-th smallest number, since nextval hands them out ascending
 * but in no promised row order.
 */
const CLAIM_BATCH = `
  with turn as materialized (select pg_try_advisory_xact_lock($1) as ok),
  claimed as materialized (
    select seq from outbox_events
     where published_at is null and (select ok from turn)
     order by seq limit $2 for update skip locked),
  numbers as materialized (select nextval('outbox_pub_seq') as p from claimed),
  pairs as (
    select c.seq, n.p
      from (select seq, row_number() over (order by seq) as i from claimed) c
      join (select p, row_number() over (order by p) as i from numbers) n using (i))
  update outbox_events o set published_at = now(), pub_seq = pairs.p
    from pairs where o.seq = pairs.seq
  returning o.id, o.org_id, o.project_id, o.type, o.data, o.actor_id, o.created_at, o.pub_seq`;

/**
 * Moves committed outbox events out of the database: publishes each batch on the bus (every
 * node's WebSocket hub) and enqueues one job per interested consumer, then marks the batch
 * published, all in one transaction. A crash anywhere before commit re-delivers the batch:
 * at-least-once, with consumers idempotent by event id.
 */
export class OutboxRelay {
  private readonly consumers: EventConsumer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  private again = false;
  private lastPrune = 0;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
    private readonly opts: RelayOptions,
    private readonly onPublished: (count: number) => void = () => undefined,
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollMs = opts.pollMs ?? 200;
    this.gatherMs = opts.gatherMs ?? 5;
  }

  /** Registers a consumer; every node registers the same ones, whichever runs the relay. */
  consume(consumer: EventConsumer): void {
    this.consumers.push(consumer);
    this.jobs.define<RelayedEvent | EventBatch>({
      name: jobName(consumer),
      handler: (data) => ("events" in data ? this.handleBatch(consumer, data.events) : consumer.handle(data)),
      ...(consumer.attempts ? { attempts: consumer.attempts } : {}),
      ...(consumer.backoffMs ? { backoffMs: consumer.backoffMs } : {}),
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.kick();
  }

  /** Publishes soon: called after a local commit that wrote events, so latency is not the poll interval. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.soon) return; // a run is already coming
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.runNow();
    }, this.gatherMs);
  }

  private runNow(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: unknown) => {
        this.log.warn({ err }, "outbox relay failed; retrying");
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
          return;
        }
        this.timer = setTimeout(() => this.kick(), this.pollMs);
        this.timer.unref();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
    await this.running;
  }

  /** Publishes until the outbox is empty (or another node holds the turn); returns how many. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n < this.batchSize) break;
    }
    await this.pruneSometimes();
    return total;
  }

  /** One batch in one transaction; 0 when nothing is pending or another node is publishing. */
  async publishBatch(): Promise<number> {
    const published = await this.db.tx(async (tx) => {
      const { rows } = await tx.query<OutboxEventRow & { pub_seq: number }>(CLAIM_BATCH, [RELAY_LOCK, this.batchSize]);
      if (rows.length === 0) return [];
      rows.sort((a, b) => a.pub_seq - b.pub_seq);
      const events = rows.map((r) => relayedEvent(r, String(r.pub_seq)));
      // Both go to Redis (or memory) and both must happen before the commit marks the batch done.
      await Promise.all([this.enqueueConsumers(tx, events), this.bus.publish(EVENTS_CHANNEL, { events })]);
      await this.opts.beforeMarkDone?.(events);
      return events;
    });
    if (published.length > 0) {
      this.onPublished(published.length);
      this.jobs.wake();
    }
    return published.length;
  }

  /** One job per event, or per batch for a consumer with `handleMany`. */
  private async enqueueConsumers(tx: Tx, events: RelayedEvent[]): Promise<void> {
    const jobs: NewJob[] = [];
    for (const c of this.consumers) {
      const wanted = events.filter((e) => c.accepts(e.type));
      if (wanted.length === 0) continue;
      if (c.handleMany) {
        // A re-delivered batch of the same events is enqueued once; any other mix is safe, as consumers are idempotent per event.
        jobs.push({ name: jobName(c), data: { events: wanted } satisfies EventBatch, key: `${c.name}:${wanted[0]!.id}:${wanted.at(-1)!.id}:${wanted.length}` });
      } else {
        for (const e of wanted) jobs.push({ name: jobName(c), data: e, key: `${c.name}:${e.id}` });
      }
    }
    if (jobs.length > 0) await this.jobs.enqueueMany(jobs, tx);
  }

  /**
   * A batch job: all events at once; if that fails, event by event, so that one event that
   * cannot be handled holds up none of the others. The job then fails (and is retried, or
   * dead-lettered with its batch) if any event still failed.
   */
  private async handleBatch(c: EventConsumer, events: RelayedEvent[]): Promise<void> {
    try {
      await c.handleMany!(events);
      return;
    } catch (err) {
      this.log.warn({ err, consumer: c.name, events: events.length }, "event batch failed; handling its events one by one");
    }
    let failed: Error | undefined;
    for (const e of events) {
      try {
        await c.handle(e);
      } catch (err) {
        failed ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (failed) throw failed;
  }

  private async pruneSometimes(): Promise<void> {
    if (Date.now() - this.lastPrune < 600_000) return;
    this.lastPrune = Date.now();
    const { rowCount } = await this.db.query(
      "delete from outbox_events where published_at < now() - make_interval(hours => $1)",
      [this.opts.retentionHours],
    );
    if (rowCount > 0) this.log.info({ pruned: rowCount }, "outbox pruned");
  }
}

const jobName = (c: EventConsumer): string => `event.${c.name}`;

