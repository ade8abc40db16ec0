import type { Database, Tx } from "../db/index.js";
import type { Logger } from "../logger.js";
import { newId } from "../ids.js";
import {
  backoffDelay,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type EnqueueOptions,
  type JobDefinition,
  type JobInfo,
  type JobQueue,
  type JobState,
  type NewJob,
} from "./types.js";
import type { JobObserver } from "./observer.js";

interface ClaimedJob {
  id: string;
  name: string;
  data: unknown;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
}

interface JobRow {
  id: string;
  name: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  data: unknown;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

const LEASE_SECONDS = 60;
const POLL_MS = 250;
const KEEP_COMPLETED_HOURS = 24;

/**
 * Jobs in the `jobs` table: the in-process runner of embedded mode, and the queue of clusters
 * without Redis. Claims use FOR UPDATE SKIP LOCKED, so any number of nodes share the work.
 */
export class DatabaseJobQueue implements JobQueue {
  readonly backend = "database" as const;
  private readonly defs = new Map<string, JobDefinition<unknown>>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = true;
  private lastPrune = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly observer: JobObserver,
    private readonly concurrency = 8,
  ) {}

  define<T>(def: JobDefinition<T>): void {
    this.defs.set(def.name, def);
  }

  async enqueue(name: string, data: unknown, opts: EnqueueOptions = {}): Promise<void> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`job ${name} is not defined`);
    await (opts.tx ?? this.db).query(
      `insert into jobs (id, name, dedupe_key, data, max_attempts, backoff_ms, run_at)
       values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::double precision / 1000))
       on conflict (dedupe_key) where dedupe_key is not null do nothing`,
      [newId(), name, opts.key ?? null, JSON.stringify(data), def.attempts ?? DEFAULT_ATTEMPTS, def.backoffMs ?? DEFAULT_BACKOFF_MS, opts.delayMs ?? 0],
    );
    // Without waiting for the next poll: a job enqueued outside a transaction is visible now,
    // one inside becomes visible at commit, which the next poll picks up.
    if (!opts.tx) this.wake();
  }

  async enqueueMany(jobs: readonly NewJob[], tx?: Tx): Promise<void> {
    const defs = jobs.map((j) => {
      const def = this.defs.get(j.name);
      if (!def) throw new Error(`job ${j.name} is not defined`);
      return def;
    });
    await (tx ?? this.db).query(
      `insert into jobs (id, name, dedupe_key, data, max_attempts, backoff_ms)
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::int[], $6::int[])
       on conflict (dedupe_key) where dedupe_key is not null do nothing`,
      [
        jobs.map(() => newId()),
        jobs.map((j) => j.name),
        jobs.map((j) => j.key ?? null),
        jobs.map((j) => JSON.stringify(j.data)),
        defs.map((d) => d.attempts ?? DEFAULT_ATTEMPTS),
        defs.map((d) => d.backoffMs ?? DEFAULT_BACKOFF_MS),
      ],
    );
    if (!tx) this.wake();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs due jobs now (called by the relay after it enqueued in a committed transaction). */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.all(this.running);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.polling) return;
      this.polling = this.poll()
        .catch((err: unknown) => this.log.warn({ err }, "job poll failed"))
        .finally(() => {
          this.polling = undefined;
          if (!this.stopped) this.schedule(POLL_MS);
        });
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    for (;;) {
      const free = this.concurrency - this.running.size;
      if (free <= 0 || this.stopped) return;
      const { rows } = await this.db.query<ClaimedJob>(
        `update jobs set state = 'active', attempts = attempts + 1, locked_until = now() + make_interval(secs => $2)
         where id in (
           select id from jobs
           where (state = 'waiting' and run_at <= now()) or (state = 'active' and locked_until < now())
           order by run_at limit $1 for update skip locked)
         returning id, name, data, attempts, max_attempts, backoff_ms`,
        [free, LEASE_SECONDS],
      );
      for (const job of rows) {
        const p = this.run(job).finally(() => {
          this.running.delete(p);
          if (!this.stopped) this.schedule(0);
        });
        this.running.add(p);
      }
      if (rows.length < free) break;
    }
    if (Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      await this.db.query(`delete from jobs where state = 'completed' and finished_at < now() - make_interval(hours => $1)`, [KEEP_COMPLETED_HOURS]);
    }
  }

  private async run(job: ClaimedJob): Promise<void> {
    const def = this.defs.get(job.name);
    try {
      if (!def) throw new Error(`no handler for job ${job.name}`);
      await def.handler(job.data, { jobId: job.id, attempt: job.attempts });
      await this.db.query("update jobs set state = 'completed', finished_at = now(), locked_until = null where id = $1", [job.id]);
      this.observer.completed(job.name);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const dead = job.attempts >= job.max_attempts;
      await this.db
        .query(
          dead
            ? "update jobs set state = 'failed', finished_at = now(), locked_until = null, last_error = $2 where id = $1"
            : "update jobs set state = 'waiting', locked_until = null, last_error = $2, run_at = now() + make_interval(secs => $3::double precision / 1000) where id = $1",
          dead ? [job.id, error.message] : [job.id, error.message, backoffDelay(job.backoff_ms, job.attempts)],
        )
        .catch((err: unknown) => this.log.warn({ err, job: job.id }, "could not record job failure; its lease will expire"));
      this.log.warn({ job: job.name, id: job.id, attempt: job.attempts, dead, err: error.message }, "job failed");
      if (dead) {
        this.observer.failed(job.name);
        await def?.onFailure?.(job.data, error).catch((err: unknown) => this.log.error({ err }, "job failure hook failed"));
      }
    }
  }

  async list(state: JobState, limit: number): Promise<JobInfo[]> {
    const { rows } = await this.db.query<JobRow>(
      `select id, name, state, attempts, max_attempts, data, last_error, created_at, finished_at
       from jobs where state = $1 order by created_at desc limit $2`,
      [state, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      state: r.state,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      data: r.data,
      lastError: r.last_error,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
    }));
  }

  async retry(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "update jobs set state = 'waiting', attempts = 0, run_at = now(), finished_at = null where id = $1 and state = 'failed'",
      [id],
    );
    if (rowCount > 0) this.wake();
    return rowCount > 0;
  }

  async counts(): Promise<Record<JobState, number>> {
    const { rows } = await this.db.query<{ state: JobState; n: number }>("select state, count(*)::int as n from jobs group by state");
    const out: Record<JobState, number> = { waiting: 0, active: 0, completed: 0, failed: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  async idle(): Promise<void> {
    for (;;) {
      const { rows } = await this.db.query<{ n: number }>(
        "select count(*)::int as n from jobs where state = 'active' or (state = 'waiting' and run_at <= now())",
      );
      if (rows[0]?.n === 0 && this.running.size === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
