import type { Config } from "../../config.js";
import type { Database } from "../db/index.js";
import type { Logger } from "../logger.js";
import { BullJobQueue } from "./bullmq-queue.js";
import { DatabaseJobQueue } from "./database-queue.js";
import type { JobObserver } from "./observer.js";
import type { JobQueue } from "./types.js";

export type { JobQueue, JobDefinition, JobInfo, JobState, EnqueueOptions, NewJob } from "./types.js";
export type { JobObserver } from "./observer.js";

/** BullMQ when Redis is configured, the database otherwise (embedded, or a cluster without Redis). */
export function createJobQueue(config: Config, db: Database, log: Logger, observer: JobObserver): JobQueue & { close(): Promise<void> } {
  if (config.redisUrl) return new BullJobQueue(config.redisUrl, config.redisKeyPrefix, log, observer);
  const q = new DatabaseJobQueue(db, log, observer);
  return Object.assign(q, { close: () => q.stop() });
}
