import type { Tx } from "../db/index.js";

export type JobState = "waiting" | "active" | "completed" | "failed";

export interface JobContext {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
}

/** A typed job: its handler must be idempotent, as a job may run again after a crash. */
export interface JobDefinition<T> {
  name: string;
  handler(data: T, ctx: JobContext): Promise<void>;
  /** Total runs before the job is dead-lettered (state `failed`). Default 5. */
  attempts?: number;
  /** First retry delay; doubles on every further attempt. Default 1000 ms. */
  backoffMs?: number;
  /** Called once when the job is dead-lettered. */
  onFailure?(data: T, error: Error): Promise<void>;
}

export interface EnqueueOptions {
  /** Jobs with the same key are enqueued once (consumers of an event use `consumer:eventId`). */
  key?: string;
  delayMs?: number;
  /** Database-backed queue: insert inside this transaction, so the job exists iff the transaction commits. */
  tx?: Tx;
}

export interface NewJob {
  name: string;
  data: unknown;
  key?: string;
}

export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  data: unknown;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** One interface over the in-process runner (database-backed) and BullMQ on Redis. */
export interface JobQueue {
  readonly backend: "database" | "bullmq";
  define<T>(def: JobDefinition<T>): void;
  enqueue(name: string, data: unknown, opts?: EnqueueOptions): Promise<void>;
  /** Many jobs in one round trip (the relay's fan-out); `tx` as in EnqueueOptions. */
  enqueueMany(jobs: readonly NewJob[], tx?: Tx): Promise<void>;
  /** Looks for due jobs now instead of at the next poll (after a commit that enqueued some). */
  wake(): void;
  /** Starts running jobs on this node (worker role). */
  start(): void;
  /** Stops taking jobs and waits for running ones. */
  stop(): Promise<void>;
  list(state: JobState, limit: number): Promise<JobInfo[]>;
  /** Puts a failed job back to waiting; false when no failed job has that id. */
  retry(id: string): Promise<boolean>;
  counts(): Promise<Record<JobState, number>>;
  /** Test and drain hook: resolves when no job is waiting or running. */
  idle(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;

/** Exponential backoff with ±20% jitter so retries of many jobs do not arrive together. */
export function backoffDelay(baseMs: number, attempt: number): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}
