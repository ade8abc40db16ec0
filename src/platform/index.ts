import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { RedisBus, MemoryBus, type Bus } from "./bus.js";
import { MemoryCache, RedisCache, type Cache } from "./cache.js";
import { randomUUID } from "node:crypto";
import { openDatabase, type Database, type Tx } from "./db/index.js";
import { startHeartbeat } from "./heartbeat.js";
import { migrate } from "./db/migrate.js";
import type { Logger } from "./logger.js";
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./ratelimit.js";
import { connectRedis } from "./redis.js";
import { OutboxRelay } from "./events/relay.js";
import { createJobQueue, type JobObserver, type JobQueue } from "./jobs/index.js";
import { noObserver } from "./jobs/observer.js";
import { observeCommits, type CommitListener } from "./outbox.js";

/** The adapters a service may use; embedded and cluster modes differ only here. */
export interface Platform {
  config: Config;
  log: Logger;
  db: Database;
  cache: Cache;
  bus: Bus;
  rateLimits: RateLimitStore;
  redis: Redis | undefined;
  jobs: JobQueue;
  relay: OutboxRelay;
  /** Hears the events of each committed transaction on this node (relay kick, cache invalidation). */
  onCommit(listener: CommitListener): void;
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

export async function createPlatform(config: Config, log: Logger, overrides: PlatformOverrides = {}): Promise<Platform> {
  const raw = overrides.db ?? (await openDatabase(config));
  const applied = await migrate(raw);
  if (applied.length > 0) log.info({ applied }, "migrations applied");
  const { db, onCommit, beforeCommit } = observeCommits(raw);
  const nodeId = randomUUID();
  const stopHeartbeat = await startHeartbeat(db, nodeId, log);
  const observer = overrides.observer ?? { jobs: noObserver, outboxPublished: () => undefined };
  const jobs = createJobQueue(config, db, log, observer.jobs);
  const events = (bus: Bus) => {
    const relay = new OutboxRelay(db, bus, jobs, log, { retentionHours: config.outboxRetentionHours }, observer.outboxPublished);
    onCommit(() => relay.kick());
    return relay;
  };

  if (!config.redisUrl) {
    const bus = new MemoryBus();
    const relay = events(bus);
    return {
      config,
      log,
      db,
      cache: new MemoryCache(),
      bus,
      rateLimits: new MemoryRateLimitStore(),
      redis: undefined,
      jobs,
      relay,
      onCommit,
      beforeCommit,
      nodeId,
      close: async () => {
        await relay.stop();
        await jobs.close();
        await stopHeartbeat();
        await db.close();
      },
    };
  }
  const redis = connectRedis(config.redisUrl, config.redisKeyPrefix);
  const sub = connectRedis(config.redisUrl, config.redisKeyPrefix, { subscriber: true });
  // Redis outages are logged and degraded around, never fatal.
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis error"));
  sub.on("error", (err: Error) => log.warn({ err: err.message }, "redis subscriber error"));
  const bus = new RedisBus(redis, sub, log);
  const relay = events(bus);
  return {
    config,
    log,
    db,
    cache: new RedisCache(redis, log),
    bus,
    rateLimits: new RedisRateLimitStore(redis, log),
    redis,
    jobs,
    relay,
    onCommit,
    beforeCommit,
    nodeId,
    close: async () => {
      await relay.stop();
      await jobs.close();
      await stopHeartbeat();
      await bus.close();
      redis.disconnect();
      sub.disconnect();
      await db.close();
    },
  };
}
