import { Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import { settleWithin, withTimeout } from "../timeout.js";
import type { JobObserver } from "./observer.js";
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type EnqueueOptions,
  type JobDefinition,
  type JobInfo,
  type JobQueue,
  type JobState,
  type NewJob,
} from "./types.js";

const QUEUE = "plinth";

// BullMQ's own names for the states we show as one.
const BULL_STATES: Record<JobState, ("waiting" | "delayed" | "prioritized" | "active" | "completed" | "failed")[]> = {
  waiting: ["waiting", "delayed", "prioritized"],
  active: ["active"],
  completed: ["completed"],
  failed: ["failed"],
};

/** Jobs on Redis for clusters: BullMQ retries with exponential backoff and keeps dead jobs as `failed`. */
export class BullJobQueue implements JobQueue {
  readonly backend = "bullmq" as const;
  private readonly defs = new Map<string, JobDefinition<unknown>>();
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly prefix: string;

  constructor(
    redisUrl: string,
    keyPrefix: string,
    private readonly log: Logger,
    private readonly observer: JobObserver,
    private readonly concurrency = 8,
  ) {
    // BullMQ needs blocking commands without per-request retry limits, and does its own key prefixing.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on("error", (err: Error) => log.warn({ err: err.message }, "job queue redis error"));
    this.prefix = `${keyPrefix}bull`;
    this.queue = new Queue(QUEUE, { connection: this.connection, prefix: this.prefix });
    this.queue.on("error", (err: Error) => log.warn({ err: err.message }, "job queue error"));
  }

  define<T>(def: JobDefinition<T>): void {
    this.defs.set(def.name, def);
  }

  async enqueue(name: string, data: unknown, opts: EnqueueOptions = {}): Promise<void> {
    await withTimeout(this.queue.add(name, data, this.optionsFor(name, opts)), 5000, "the job queue");
  }

  async enqueueMany(jobs: readonly NewJob[]): Promise<void> {
    await withTimeout(this.queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: this.optionsFor(j.name, { ...(j.key ? { key: j.key } : {}) }) }))), 5000, "the job queue");
  }

  /** Nothing to do: BullMQ workers block on Redis and see new jobs at once. */
  wake(): void {}

  private optionsFor(name: string, opts: EnqueueOptions) {
    const def = this.defs.get(name);
    if (!def) throw new Error(`job ${name} is not defined`);
    // A job with an existing id is ignored by BullMQ: that is the dedupe of at-least-once delivery.
    return {
      ...(opts.key ? { jobId: opts.key.replaceAll(":", "_") } : {}),
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      attempts: def.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: "exponential", delay: def.backoffMs ?? DEFAULT_BACKOFF_MS, jitter: 0.2 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    };
  }

  start(): void {
    if (this.worker) return;
    this.worker = new Worker(
      QUEUE,
      async (job: Job) => {
        const def = this.defs.get(job.name);
        if (!def) throw new Error(`no handler for job ${job.name}`);
        await def.handler(job.data, { jobId: job.id ?? "", attempt: job.attemptsMade + 1 });
      },
      { connection: this.connection.duplicate(), prefix: this.prefix, concurrency: this.concurrency },
    );
    this.worker.on("error", (err: Error) => this.log.warn({ err: err.message }, "job worker error"));
    this.worker.on("completed", (job: Job) => this.observer.completed(job.name));
    this.worker.on("failed", (job: Job | undefined, err: Error) => {
      if (!job) return;
      const dead = job.attemptsMade >= (job.opts.attempts ?? 1);
      this.log.warn({ job: job.name, id: job.id, attempt: job.attemptsMade, dead, err: err.message }, "job failed");
      if (!dead) return;
      this.observer.failed(job.name);
      void this.defs
        .get(job.name)
        ?.onFailure?.(job.data, err)
        .catch((e: unknown) => this.log.error({ err: e }, "job failure hook failed"));
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    // With Redis gone BullMQ's close waits for it forever; jobs not finished stay
    // in Redis and are picked up again, so shutdown does not wait past a bound.
    if (worker) await settleWithin(worker.close(), CLOSE_WAIT_MS);
  }

  async list(state: JobState, limit: number): Promise<JobInfo[]> {
    const jobs = await this.queue.getJobs(BULL_STATES[state], 0, limit - 1, false);
    return jobs.map((j) => ({
      id: j.id ?? "",
      name: j.name,
      state,
      attempts: j.attemptsMade,
      maxAttempts: j.opts.attempts ?? 1,
      data: j.data as unknown,
      lastError: j.failedReason || null,
      createdAt: new Date(j.timestamp).toISOString(),
      finishedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
    }));
  }

  async retry(id: string): Promise<boolean> {
    const job = await Job.fromId(this.queue, id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry("failed");
    return true;
  }

  async counts(): Promise<Record<JobState, number>> {
    const c = await this.queue.getJobCounts("waiting", "delayed", "prioritized", "active", "completed", "failed");
    const n = (k: string) => c[k] ?? 0;
    return { waiting: n("waiting") + n("delayed") + n("prioritized"), active: n("active"), completed: n("completed"), failed: n("failed") };
  }

  async idle(): Promise<void> {
    for (;;) {
      const c = await this.queue.getJobCounts("waiting", "active", "prioritized");
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.stop();
    await settleWithin(this.queue.close(), CLOSE_WAIT_MS);
    this.connection.disconnect();
  }
}

const CLOSE_WAIT_MS = 3000;
