import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RedisBus, MemoryBus, type Bus } from "./bus.js";
import { MemoryCache, RedisCache, type Cache } from "./cache.js";
import { CacheInvalidation } from "./cache-invalidation.js";
import { openDatabase, type Database, type Tx } from "./db/index.js";
import { migrate } from "./db/migrate.js";
import { OutboxRelay } from "./events/relay.js";
import { startHeartbeat } from "./heartbeat.js";
import { createJobQueue, type JobObserver, type JobQueue } from "./jobs/index.js";
import { noObserver } from "./jobs/observer.js";
import type { Logger } from "./logger.js";
import { withBeforeCommit } from "./outbox.js";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./ratelimit.js";
import { CacheWriteMarks } from "./read-your-writes.js";
import { connectRedis } from "./redis.js";
import { CacheStats, VersionedCache } from "./versioned-cache.js";

/** The adapters a service may use; embedded and cluster modes differ only here. */
export interface Platform {
  config: Config;
  log: Logger;
  db: Database;
  cache: Cache;
  /** Hot reads cached under generations that domain events replace (platform/versioned-cache.ts). */
  hotCache: VersionedCache;
  bus: Bus;
  rateLimits: RateLimitStore;
  redis: Redis | undefined;
  jobs: JobQueue;
  relay: OutboxRelay;
  /** Runs last inside every transaction, before commit (e.g. marking an idempotent request applied). */
  beforeCommit(hook: (tx: Tx) => Promise<void>): void;
  /** This process, for claims that must be released when it dies (see heartbeat.ts). */
  nodeId: string;
  close(): Promise<void>;
}

/** What the platform reports to metrics. */
export interface PlatformObserver {
  jobs: JobObserver;
  outboxPublished: (count: number) => void;
}

export interface PlatformOverrides {
  db?: Database;
  observer?: PlatformObserver;
}

interface Adapters {
  cache: Cache;
  bus: Bus;
  rateLimits: RateLimitStore;
  redis: Redis | undefined;
  closeAdapters(): Promise<void>;
}

/** In-process adapters without REDIS_URL; Redis-backed ones (shared by every node) with it. */
function openAdapters(config: Config, log: Logger): Adapters {
  if (!config.redisUrl) {
    return {
      cache: new MemoryCache(),
      bus: new MemoryBus(),
      rateLimits: new MemoryRateLimitStore(),
      redis: undefined,
      closeAdapters: () => Promise.resolve(),
    };
  }
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix);
  const sub = connectRedis(config.redisUrl, config.redisKeyPrefix, { subscriber: true });
  // Redis outages are logged and degraded around, never fatal.
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis error"));
  sub.on("error", (err: Error) => log.warn({ err: err.message }, "redis subscriber error"));
  const bus = new RedisBus(redis, sub, log, config.redisKeyPrefix);
  return {
    cache: new RedisCache(redis, log),
    bus,
    rateLimits: new RedisRateLimitStore(redis, log),
    redis,
    closeAdapters: async () => {
      await bus.close();
      redis.disconnect();
      sub.disconnect();
    },
  };
}

export async function createPlatform(config: Config, log: Logger, overrides: PlatformOverrides = {}): Promise<Platform> {
  const adapters = openAdapters(config, log);
  const closeAdapters = () => adapters.closeAdapters();
  let raw: Database;
  try {
    raw = overrides.db ?? (await openDatabase(config, { writeMarks: new CacheWriteMarks(adapters.cache) }));
  } catch (err) {
    await closeAdapters();
    throw err;
  }
  try {
    const applied = await migrate(raw);
    if (applied.length > 0) log.info({ applied }, "migrations applied");
  } catch (err) {
    await closeAdapters();
    if (!overrides.db) await raw.close();
    throw err;
  }
  const { db, beforeCommit } = withBeforeCommit(raw);
  const hotCache = new VersionedCache(adapters.cache, new CacheStats());
  const stopInvalidation = await new CacheInvalidation(hotCache).start(db, adapters.bus, log);
  const nodeId = randomUUID();
  const stopHeartbeat = await startHeartbeat(db, nodeId, log);
  const observer = overrides.observer ?? { jobs: noObserver, outboxPublished: () => undefined };
  const jobs = createJobQueue(config, db, log, observer.jobs);
  const relay = new OutboxRelay(db, adapters.bus, jobs, log, { retentionHours: config.outboxRetentionHours }, observer.outboxPublished);
  // Publish right after a local commit instead of at the relay's next poll.
  db.onCommit(() => {
    relay.kick();
    return Promise.resolve();
  });
  return {
    config,
    log,
    db,
    hotCache,
    cache: adapters.cache,
    bus: adapters.bus,
    rateLimits: adapters.rateLimits,
    redis: adapters.redis,
    jobs,
    relay,
    beforeCommit,
    nodeId,
    close: async () => {
      await relay.stop();
      await jobs.close();
      await stopHeartbeat();
      await stopInvalidation();
      await closeAdapters();
      await db.close();
    },
  };
}
