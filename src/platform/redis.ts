import { Redis } from "ioredis";

/**
 * A Redis connection that fails fast while Redis is away instead of queueing
 * commands forever, so callers can degrade (cache miss, open rate limit).
 */
export function connectRedis(url: string, keyPrefix: string, opts: { subscriber?: boolean } = {}): Redis {
  return new Redis(url, {
    keyPrefix: opts.subscriber ? undefined : keyPrefix,
    lazyConnect: false,
    enableOfflineQueue: opts.subscriber ?? false,
    maxRetriesPerRequest: opts.subscriber ? null : 1,
    commandTimeout: opts.subscriber ? undefined : 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // The ready check sends INFO, which a connection already in subscriber mode refuses; the
    // failed check then drops the connection and can lose a SUBSCRIBE sent meanwhile.
    ...(opts.subscriber ? { enableReadyCheck: false } : {}),
  });
}
