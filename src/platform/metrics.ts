import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Database } from "./db/index.js";
import type { JobQueue } from "./jobs/index.js";
import type { CacheStats } from "./versioned-cache.js";

/** Every metric Plinth exports, registered once per app (tests build many apps). */
export function createMetrics(
  db: () => Database | undefined,
  jobs: () => JobQueue | undefined = () => undefined,
  cacheStats: () => CacheStats | undefined = () => undefined,
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "plinth_process_" });

  const httpRequests = new Counter({
    name: "plinth_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "plinth_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: "plinth_event_loop_lag_p99_seconds",
    help: "Event-loop delay p99 since the previous scrape",
    registers: [registry],
    collect() {
      this.set(loop.percentile(99) / 1e9);
      loop.reset();
    },
  });
  const poolGauge = (name: string, help: string, pick: (s: ReturnType<Database["poolStats"]>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const d = db();
        if (d) this.set(pick(d.poolStats()));
      },
    });
  poolGauge("plinth_db_pool_connections", "Database connections open in the primary pool", (s) => s.total);
  poolGauge("plinth_db_pool_idle", "Idle database connections in the primary pool", (s) => s.idle);
  poolGauge("plinth_db_pool_waiting", "Queries waiting for a database connection", (s) => s.waiting);
  // One query serves both outbox gauges; a scrape while the database is away reports nothing new.
  let outboxState: Promise<{ pending: number; lag: number }> | undefined;
  const readOutbox = async () => {
    const d = db();
    if (!d) return { pending: 0, lag: 0 };
    const { rows } = await d.query<{ pending: number; lag: number | null }>(
      "select count(*)::int as pending, extract(epoch from now() - min(created_at))::float8 as lag from outbox_events where published_at is null",
    );
    return { pending: rows[0]?.pending ?? 0, lag: rows[0]?.lag ?? 0 };
  };
  const outboxOnce = () => {
    outboxState ??= readOutbox().finally(() => setImmediate(() => (outboxState = undefined)));
    return outboxState;
  };
  new Gauge({
    name: "plinth_db_replica_lag_seconds",
    help: "Replay lag of each read replica at its last probe (absent while unreachable: see plinth_db_replica_in_rotation)",
    labelNames: ["replica"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of db()?.replicaStatus() ?? []) if (Number.isFinite(r.lagSeconds)) this.set({ replica: r.name }, r.lagSeconds);
    },
  });
  new Gauge({
    name: "plinth_db_replica_in_rotation",
    help: "1 while a read replica serves reads, 0 while it is lagging or unreachable",
    labelNames: ["replica"] as const,
    registers: [registry],
    collect() {
      for (const r of db()?.replicaStatus() ?? []) this.set({ replica: r.name }, r.inRotation ? 1 : 0);
    },
  });
  // Cumulative counts kept by the database and the cache; copied into counters at scrape time.
  new Counter({
    name: "plinth_db_queries_total",
    help: "Queries run, by the pool that served them (replica reads that failed count on the primary)",
    labelNames: ["pool"] as const,
    registers: [registry],
    collect() {
      const counts = db()?.queryCounts();
      if (!counts) return;
      this.reset();
      this.inc({ pool: "primary" }, counts.primary);
      this.inc({ pool: "replica" }, counts.replica);
    },
  });
  new Counter({
    name: "plinth_cache_requests_total",
    help: "Hot-read cache lookups by cache and result (hit or miss; a bypassed cache misses)",
    labelNames: ["cache", "result"] as const,
    registers: [registry],
    collect() {
      const stats = cacheStats();
      if (!stats) return;
      this.reset();
      for (const [cache, c] of stats.counts) {
        this.inc({ cache, result: "hit" }, c.hit);
        this.inc({ cache, result: "miss" }, c.miss);
      }
    },
  });
  const outboxPending = new Gauge({
    name: "plinth_outbox_pending_events",
    help: "Outbox events not yet published",
    registers: [registry],
    async collect() {
      this.set((await outboxOnce().catch(() => ({ pending: 0 }))).pending);
    },
  });
  new Gauge({
    name: "plinth_outbox_lag_seconds",
    help: "Age of the oldest unpublished outbox event (0 when none)",
    registers: [registry],
    async collect() {
      this.set((await outboxOnce().catch(() => ({ lag: 0 }))).lag);
    },
  });
  const outboxPublished = new Counter({ name: "plinth_outbox_published_total", help: "Outbox events published by this node", registers: [registry] });
  const jobsCompleted = new Counter({ name: "plinth_jobs_completed_total", help: "Jobs completed by this node", labelNames: ["job_name"] as const, registers: [registry] });
  const jobsFailed = new Counter({
    name: "plinth_jobs_failed_total",
    help: "Jobs dead-lettered after their last attempt on this node",
    labelNames: ["job_name"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "plinth_jobs_waiting",
    help: "Jobs waiting to run (all nodes)",
    registers: [registry],
    async collect() {
      const q = jobs();
      if (q) this.set((await q.counts().catch(() => ({ waiting: 0 }))).waiting);
    },
  });

  return {
    registry,
    httpRequests,
    httpDuration,
    outboxPending,
    /** What the platform reports (jobs and relay). */
    platformObserver: {
      jobs: { completed: (job: string) => jobsCompleted.inc({ job_name: job }), failed: (job: string) => jobsFailed.inc({ job_name: job }) },
      outboxPublished: (n: number) => outboxPublished.inc(n),
    },
    stop: () => {
      loop.disable();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
