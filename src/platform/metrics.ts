import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Database } from "./db/index.js";
import type { JobQueue } from "./jobs/index.js";

/** Every metric Plinth exports, registered once per app (tests build many apps). */
export function createMetrics(db: () => Database | undefined, jobs: () => JobQueue | undefined = () => undefined) {
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
