import type { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export interface RateLimitResult {
  count: number;
  retryAfterSeconds: number;
}

/** Fixed-window counters shared by all nodes (Redis) or kept in this process. */
export interface RateLimitStore {
  /** Counts one hit against key in a window; returns the count so far and seconds until reset. */
  hit(key: string, windowSeconds: number): Promise<RateLimitResult>;
  /** Reads the current count without adding a hit. */
  peek(key: string): Promise<RateLimitResult>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  hit(key: string, windowSeconds: number): Promise<RateLimitResult> {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size > 100_000) this.sweep(now);
      w = { count: 0, resetAt: now + windowSeconds * 1000 };
      this.windows.set(key, w);
    }
    w.count++;
    return Promise.resolve({ count: w.count, retryAfterSeconds: Math.ceil((w.resetAt - now) / 1000) });
  }

  peek(key: string): Promise<RateLimitResult> {
    const now = Date.now();
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) return Promise.resolve({ count: 0, retryAfterSeconds: 0 });
    return Promise.resolve({ count: w.count, retryAfterSeconds: Math.ceil((w.resetAt - now) / 1000) });
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

/** Redis counters; when Redis is unreachable the limit fails open (logins must keep working). */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  async hit(key: string, windowSeconds: number): Promise<RateLimitResult> {
    try {
      const k = `rl:${key}`;
      const [[, count], [, ttl]] = (await this.redis
        .multi()
        .incr(k)
        .expire(k, windowSeconds, "NX")
        .ttl(k)
        .exec()
        .then((r) => [r?.[0] ?? [null, 0], r?.[2] ?? [null, windowSeconds]])) as [[unknown, number], [unknown, number]];
      return { count, retryAfterSeconds: Math.max(1, ttl) };
    } catch (err) {
      this.log.warn({ err }, "rate limit store failed; allowing");
      return { count: 0, retryAfterSeconds: 0 };
    }
  }

  async peek(key: string): Promise<RateLimitResult> {
    try {
      const k = `rl:${key}`;
      const [count, ttl] = await Promise.all([this.redis.get(k), this.redis.ttl(k)]);
      return { count: Number(count ?? 0), retryAfterSeconds: Math.max(1, ttl) };
    } catch (err) {
      this.log.warn({ err }, "rate limit store failed; allowing");
      return { count: 0, retryAfterSeconds: 0 };
    }
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`rl:${key}`).catch(() => undefined);
  }
}
