import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RedisBus, MemoryBus, type Bus } from "./bus.js";
import { MemoryCache, RedisCache, type Cache } from "./cache.js";
import { openDatabase, type Database } from "./db/index.js";
import { migrate } from "./db/migrate.js";
import type { Logger } from "./logger.js";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./ratelimit.js";
import { connectRedis } from "./redis.js";

/** The adapters a service may use; embedded and cluster modes differ only here. */
export interface Platform {
  config: Config;
  log: Logger;
  db: Database;
  cache: Cache;
  bus: Bus;
  rateLimits: RateLimitStore;
  redis: Redis | undefined;
  close(): Promise<void>;
}

export interface PlatformOverrides {
  db?: Database;
}

export async function createPlatform(config: Config, log: Logger, overrides: PlatformOverrides = {}): Promise<Platform> {
  const db = overrides.db ?? (await openDatabase(config));
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, "migrations applied");

  if (!config.redisUrl) {
    return {
      config,
      log,
      db,
      cache: new MemoryCache(),
      bus: new MemoryBus(),
      rateLimits: new MemoryRateLimitStore(),
      redis: undefined,
      close: () => db.close(),
    };
  }
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix);
  const sub = connectRedis(config.redisUrl, config.redisKeyPrefix, { subscriber: true });
  // Redis outages are logged and degraded around, never fatal.
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis error"));
  sub.on("error", (err: Error) => log.warn({ err: err.message }, "redis subscriber error"));
  const bus = new RedisBus(redis, sub, log);
  return {
    config,
    log,
    db,
    cache: new RedisCache(redis, log),
    bus,
    rateLimits: new RedisRateLimitStore(redis, log),
    redis,
    close: async () => {
      await bus.close();
      redis.disconnect();
      sub.disconnect();
      await db.close();
    },
  };
}
