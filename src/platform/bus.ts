import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export type BusHandler = (message: unknown) => void;

/** Publish/subscribe between the nodes of a cluster (or inside one process). */
export interface Bus {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class MemoryBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(channel: string, message: unknown): Promise<void> {
    // Deliver asynchronously, as Redis would, so publishers never run subscriber code inline.
    const copy: unknown = JSON.parse(JSON.stringify(message));
    setImmediate(() => this.emitter.emit(channel, copy));
    return Promise.resolve();
  }

  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    this.emitter.on(channel, handler);
    return Promise.resolve(() => {
      this.emitter.off(channel, handler);
      return Promise.resolve();
    });
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

/** Redis pub/sub; needs its own connection for subscribing (Redis protocol rule). */
export class RedisBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  /**
   * ioredis's keyPrefix does not apply to pub/sub channels: without this prefix two
   * installations (or test runs) sharing a Redis would receive each other's events.
   */
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly log: Logger,
    private readonly prefix = "",
  ) {
    // Every (re)connection subscribes to every channel a handler waits on: ioredis resubscribes
    // what it saw confirmed, and a SUBSCRIBE caught by a dropped connection is sent again here
    // (subscribing twice to a channel is a no-op in Redis).
    sub.on("ready", () => {
      const channels = [...this.handlers.keys()].map((c) => this.prefix + c);
      if (channels.length > 0) sub.subscribe(...channels).catch((err: unknown) => this.log.warn({ err }, "bus resubscribe failed"));
    });
    sub.on("message", (prefixed: string, raw: string) => {
      if (!prefixed.startsWith(prefix)) return;
      const set = this.handlers.get(prefixed.slice(prefix.length));
      if (!set) return;
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      for (const h of set) h(msg);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    try {
      await this.pub.publish(this.prefix + channel, JSON.stringify(message));
    } catch (err) {
      this.log.warn({ err, channel }, "bus publish failed");
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.whileConnected(this.sub.subscribe(this.prefix + channel), "subscribe", channel);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.whileConnected(this.sub.unsubscribe(this.prefix + channel), "unsubscribe", channel);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    // Not quit(): with Redis away it would wait in the offline queue forever and hold up shutdown.
    this.sub.disconnect();
  }

  /**
   * Waits for a subscriber command only while Redis is connected. When it is away, ioredis
   * keeps the command queued and sends it (and resubscribes) on reconnection; callers go on.
   */
  private async whileConnected(command: Promise<unknown>, what: string, channel: string): Promise<void> {
    const settled = command.then(
      () => undefined,
      (err: unknown) => this.log.warn({ err, channel }, `bus ${what} failed`),
    );
    if (this.sub.status !== "ready") return;
    let onClose = (): void => undefined;
    const closed = new Promise<void>((resolve) => {
      onClose = resolve;
      this.sub.once("close", onClose);
    });
    try {
      await Promise.race([settled, closed]);
    } finally {
      this.sub.off("close", onClose);
    }
  }
}
