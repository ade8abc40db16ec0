import { Counter, Gauge, type Registry } from "prom-client";
import type { Bus } from "../../platform/bus.js";
import { EVENTS_CHANNEL, type EventBatch } from "../../platform/events/types.js";
import type { Logger } from "../../platform/logger.js";
import { settleWithin } from "../../platform/timeout.js";
import { CLOSE_GOING_AWAY, HubEvent, type DropReason, type EventStream } from "./stream.js";

// Events this node received last, for a resuming client: the relay publishes a batch just
// before its transaction commits, so a replay query may miss a batch this node already got.
const RECENT_EVENTS = 2_000;
// A batch the relay re-publishes after a crash comes again under new seqs; drop it by id.
const SEEN_IDS = 20_000;
const CLOSE_WAIT_MS = 2_000;

/**
 * This node's WebSocket fan-out: one subscription to the event bus (Redis pub/sub across nodes)
 * feeding every local stream, heartbeats, and the connection and drop metrics.
 */
export class RealtimeHub {
  private readonly streams = new Set<EventStream>();
  private readonly recent: HubEvent[] = [];
  private readonly seenIds = new Set<string>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private dropped: Counter<"reason"> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly heartbeatMs: number,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  async start(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(EVENTS_CHANNEL, (m) => this.receive(m as EventBatch));
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  registerMetrics(registry: Registry): void {
    const streams = this.streams;
    new Gauge({
      name: "plinth_ws_connections",
      help: "WebSocket clients connected to /api/v1/events on this node",
      registers: [registry],
      collect() {
        this.set(streams.size);
      },
    });
    this.dropped = new Counter({
      name: "plinth_ws_dropped_total",
      help: "WebSocket clients this node disconnected: too slow to read (slow), no pong (heartbeat), session gone (session_ended)",
      labelNames: ["reason"] as const,
      registers: [registry],
    });
  }

  add(stream: EventStream): void {
    this.streams.add(stream);
    stream.socket.once("close", () => {
      stream.markClosed();
      this.streams.delete(stream);
    });
  }

  countDrop(reason: DropReason): void {
    this.dropped?.inc({ reason });
  }

  /** Events received here with a higher seq than `seq`, ascending. */
  recentAfter(seq: bigint): HubEvent[] {
    return this.recent.filter((h) => h.seq > seq);
  }

  /** Closes every client with 1001 (going away), waiting briefly for their close handshakes. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
    const open = [...this.streams];
    const closed = open.map((s) => new Promise<void>((resolve) => (s.socket.readyState === s.socket.CLOSED ? resolve() : s.socket.once("close", () => resolve()))));
    for (const s of open) {
      s.markClosed();
      s.socket.close(CLOSE_GOING_AWAY, "server shutting down");
    }
    await settleWithin(Promise.all(closed), CLOSE_WAIT_MS);
    for (const s of open) s.socket.terminate();
  }

  private receive(batch: EventBatch): void {
    for (const event of batch.events ?? []) {
      if (this.seenIds.has(event.id)) continue;
      this.remember(event.id);
      const h = new HubEvent(event);
      this.recent.push(h);
      if (this.recent.length > RECENT_EVENTS) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
      for (const s of this.streams) {
        try {
          s.offer(h);
        } catch (err) {
          this.log.warn({ err }, "websocket fan-out failed for one client");
        }
      }
    }
  }

  private remember(id: string): void {
    this.seenIds.add(id);
    if (this.seenIds.size > SEEN_IDS) {
      const oldest = this.seenIds.values().next();
      if (!oldest.done) this.seenIds.delete(oldest.value);
    }
  }

  /** A client that did not answer the previous ping is gone (half-open TCP, frozen tab). */
  private beat(): void {
    for (const s of this.streams) {
      if (!s.alive) {
        s.drop("heartbeat");
        continue;
      }
      s.alive = false;
      s.socket.ping();
    }
  }
}
