import type { WebSocket } from "ws";
import type { RelayedEvent } from "../../platform/events/types.js";
import { audienceOf, type Audience } from "./audience.js";
import type { Viewer } from "./viewer.js";

/** An event as the hub fans it out: its audience worked out and its message encoded once for every socket. */
export class HubEvent {
  readonly seq: bigint;
  readonly audience: Audience;
  private wire: Buffer | undefined;

  constructor(readonly event: RelayedEvent) {
    this.seq = BigInt(event.seq);
    this.audience = audienceOf(event);
  }

  /** API.md's shape `{id, type, orgId, projectId?, data, at}`, as UTF-8 (sent as a text frame). */
  get message(): Buffer {
    const e = this.event;
    this.wire ??= Buffer.from(JSON.stringify({ id: e.id, type: e.type, orgId: e.orgId, ...(e.projectId ? { projectId: e.projectId } : {}), data: e.data, at: e.at }));
    return this.wire;
  }
}

/** Messages about the stream itself; event types never start with `stream.`. */
export type StreamNotice =
  | { type: "stream.ready"; data: { replayed: number } }
  | { type: "stream.resync"; data: { reason: "last_event_unknown" | "too_many_missed"; lastEventId: string } };

export type DropReason = "slow" | "heartbeat" | "session_ended";

export interface StreamOptions {
  maxBufferedBytes: number;
  /** Still in the token's hands? Checked whenever the viewer's permissions are re-read. */
  stillAuthenticated: () => Promise<boolean>;
  onDrop: (reason: DropReason) => void;
  onError: (err: unknown) => void;
}

type Item = HubEvent | StreamNotice;

// Checks that wait for the database queue up events; a client whose queue grows this long is
// as slow as one whose socket buffer is full.
const MAX_PENDING = 10_000;

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_INTERNAL_ERROR = 1011;

/**
 * One client socket. Events are handled strictly in publication order, each once (by seq);
 * live events that arrive while missed ones are replayed wait in `held` until the replay is
 * queued. A client that cannot keep up is dropped, never buffered without bound.
 */
export class EventStream {
  alive = true;
  private held: HubEvent[] | undefined = [];
  private readonly pending: Item[] = [];
  private working = false;
  private closed = false;
  private lastSeq = 0n;

  constructor(
    readonly socket: WebSocket,
    readonly viewer: Viewer,
    private readonly opts: StreamOptions,
  ) {
    socket.on("pong", () => (this.alive = true));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A live event from the hub. */
  offer(h: HubEvent): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(h);
      if (this.held.length > MAX_PENDING) this.drop("slow");
      return;
    }
    this.enqueue(h);
  }

  /** Queues the replayed events (ascending seq) and the notices, then releases the live events held meanwhile. */
  begin(replayed: readonly HubEvent[], notices: readonly StreamNotice[]): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const n of notices) this.enqueue(n);
    for (const h of replayed) this.enqueue(h);
    this.enqueue({ type: "stream.ready", data: { replayed: replayed.length } });
    for (const h of held) this.enqueue(h);
  }

  /** Marks the stream closed; the hub forgets it. */
  markClosed(): void {
    this.closed = true;
    this.pending.length = 0;
    this.held = undefined;
  }

  drop(reason: DropReason): void {
    if (this.closed) return;
    this.markClosed();
    this.opts.onDrop(reason);
    if (reason === "heartbeat") {
      this.socket.terminate();
      return;
    }
    this.socket.close(reason === "slow" ? CLOSE_SLOW_CONSUMER : CLOSE_SESSION_ENDED, reason === "slow" ? "too slow" : "session ended");
    // The close frame waits behind the unsent data of a slow client: do not wait for its answer.
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  /** A permission lookup failed (database away): the client reconnects and resumes. */
  private fail(err: unknown): void {
    if (this.closed) return;
    this.markClosed();
    this.opts.onError(err);
    this.socket.close(CLOSE_INTERNAL_ERROR, "try again");
  }

  private enqueue(item: Item): void {
    if (this.closed) return;
    this.pending.push(item);
    if (this.pending.length > MAX_PENDING) {
      this.drop("slow");
      return;
    }
    if (!this.working) this.work();
  }

  /** Runs queued items until one needs to wait, and continues from there when it is done. */
  private work(): void {
    this.working = true;
    while (this.pending.length > 0 && !this.closed) {
      const waiting = this.step(this.pending[0]!);
      if (waiting) {
        waiting.then(
          () => {
            this.pending.shift();
            this.work();
          },
          (err: unknown) => {
            this.working = false;
            this.fail(err);
          },
        );
        return;
      }
      this.pending.shift();
    }
    this.working = false;
  }

  private step(item: Item): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (!(item instanceof HubEvent)) {
      this.send(Buffer.from(JSON.stringify(item)));
      return undefined;
    }
    if (item.seq <= this.lastSeq) return undefined; // replayed already, or seen twice
    if (this.viewer.isStale()) return this.reload().then(() => this.step(item));
    const may = this.viewer.mayRead(item.event, item.audience);
    if (typeof may === "boolean") {
      this.decided(item, may);
      return undefined;
    }
    return may.then((yes) => this.decided(item, yes));
  }

  private decided(h: HubEvent, send: boolean): void {
    this.lastSeq = h.seq;
    if (send) this.send(h.message);
    this.viewer.noteChange(h.event);
  }

  private async reload(): Promise<void> {
    if (!(await this.opts.stillAuthenticated())) {
      this.drop("session_ended");
      return;
    }
    await this.viewer.refresh();
  }

  private send(utf8: Buffer): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(utf8, { binary: false });
    if (this.socket.bufferedAmount > this.opts.maxBufferedBytes) this.drop("slow");
  }
}
