import type { Redis } from "ioredis";
import type { Logger } from "./logger.js";

/** A best-effort key/value cache. Misses and Redis outages are never errors. */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** Several keys in one round trip, in order; undefined when the cache cannot be reached at all. */
  getMany(keys: readonly string[]): Promise<unknown[] | undefined>;
  /** Resolves false when the value could not be stored (Redis away). */
  set(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process LRU-ish cache with TTL, bounded in size. */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly maxEntries = 10_000) {}

  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(this.read(key) as T | undefined);
  }

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return Promise.resolve(keys.map((k) => this.read(k)));
  }

  set(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value: JSON.stringify(value), expiresAt: Date.now() + ttlSeconds * 1000 });
    return Promise.resolve(true);
  }

  del(...keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
    return Promise.resolve();
  }

  private read(key: string): unknown {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(e.value) as unknown;
  }
}

/**
 * Redis-backed cache; every failure degrades to a miss so core reads and writes go on.
 * A delete that fails while Redis is away (a revoked session, say) must not be undone
 * when Redis returns with the old entry: such keys read as misses here and are deleted
 * again on reconnection.
 */
export class RedisCache implements Cache {
  private readonly undeleted = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly maxUndeleted = 10_000,
  ) {
    redis.on("ready", () => void this.retryDeletes());
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.undeleted.has(key)) return undefined;
    try {
      const v = await this.redis.get(`cache:${key}`);
      return v === null ? undefined : (JSON.parse(v) as T);
    } catch (err) {
      this.log.warn({ err }, "cache get failed");
      return undefined;
    }
  }

  async getMany(keys: readonly string[]): Promise<unknown[] | undefined> {
    if (keys.length === 0) return [];
    try {
      const values = await this.redis.mget(...keys.map((k) => `cache:${k}`));
      return values.map((v, i) => (v === null || this.undeleted.has(keys[i]!) ? undefined : (JSON.parse(v) as unknown)));
    } catch (err) {
      this.log.warn({ err }, "cache get failed");
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    try {
      await this.redis.set(`cache:${key}`, JSON.stringify(value), "EX", ttlSeconds);
      this.undeleted.delete(key);
      return true;
    } catch (err) {
      this.log.warn({ err }, "cache set failed");
      return false;
    }
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.redis.del(...keys.map((k) => `cache:${k}`));
      for (const k of keys) this.undeleted.delete(k);
    } catch (err) {
      this.log.warn({ err }, "cache del failed; retried when Redis is back");
      for (const k of keys) if (this.undeleted.size < this.maxUndeleted) this.undeleted.add(k);
    }
  }

  private async retryDeletes(): Promise<void> {
    if (this.undeleted.size > 0) await this.del(...this.undeleted);
  }
}
