import { insertBacklog } from "./dataset/outbox.js";
import { follow, sample } from "./drain.js";
import type { BenchOptions } from "./options.js";
import { watchProcesses, type PhaseUsage } from "./procstat.js";
import type { BenchReport } from "./report.js";
import { datasetOf, loadInto, prepareStore, startNodes, withDatabase, type Log } from "./stage.js";
import { outboxTargets } from "./targets.js";

// The outbox scenario (issue 5): a backlog of committed, unpublished events,
// drained by the relay of the worker role (OutboxRelay) and the consumer jobs it
// enqueues (BullMQ on Redis, or the jobs table without Redis). Progress is read
// from the node's own /metrics, so it works the same with PGlite inside the
// server and with PostgreSQL outside it.

export interface OutboxResult {
  backlog: number;
  /** Events published while the server started, before the first sample (embedded mode). */
  publishedBeforeWindow: number;
  /** Events published inside the observed window (all of them when the backlog went in after startup). */
  observedEvents: number;
  relaySeconds: number;
  relayEventsPerSecond: number;
  /** Consumer jobs completed in the window, and the time until the last of them finished. */
  jobs: number;
  failedJobs: number;
  drainSeconds: number;
  endToEndEventsPerSecond: number;
  jobsPerSecond: number;
  jobBackend: string;
  usage: PhaseUsage;
  /** PostgreSQL CPU (postgres mode) and server CPU per published event, ms. */
  cpuMsPerEvent: { server: number; database?: number };
}

export async function runOutbox(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  if (o.nodes !== 1) throw new Error("the outbox scenario runs one node (the relay takes turns across nodes anyway)");
  const tier = o.tiers[0]!;
  const store = await prepareStore(o);
  const loaded = await loadInto(store, tier, o, log);
  report.dataset = datasetOf(tier, o, loaded);
  // PGlite lives inside the server: the backlog must be there before it starts, and the relay
  // begins on it during startup. On PostgreSQL it goes in at once (one transaction) after startup.
  const before = o.mode === "embedded";
  const insert = async () => {
    const t0 = Date.now();
    await withDatabase(store, (db) => insertBacklog(db, loaded.plan, o.events));
    log(`  ${o.events} outbox events inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  if (before) await insert();
  log("starting the server node");
  const [node] = await startNodes(store, o);
  const origin = node!.origin;
  let first = await sample(origin);
  const dbBefore = before ? first : undefined;
  if (!before) {
    log(`inserting ${o.events} outbox events`);
    await insert();
    first = { ...(await sample(origin)), at: performance.now() };
    // The relay may already be publishing: the window starts at commit, with what was published so far counted in it.
    first = { ...first, published: 0, completed: 0, failed: 0 };
  }
  const watch = watchProcesses([node!.pid], store.database);
  log("following the relay and the consumer jobs");
  const { relayDone, jobsDone } = await follow(origin, first, log);
  const usage = watch.stop();
  await node!.stop();

  const observed = relayDone.published - first.published;
  const relaySeconds = (relayDone.at - first.at) / 1000;
  const drainSeconds = (jobsDone.at - first.at) / 1000;
  const jobs = jobsDone.completed - first.completed;
  // Per event when the window saw the backlog; per job when the relay finished it during startup (embedded).
  const perEvent = (pct: number) => Number((((pct / 100) * drainSeconds * 1000) / Math.max(1, observed, jobs)).toFixed(3));
  const result: OutboxResult = {
    backlog: o.events,
    publishedBeforeWindow: dbBefore?.published ?? 0,
    observedEvents: observed,
    relaySeconds: Number(relaySeconds.toFixed(2)),
    relayEventsPerSecond: Math.round(observed / Math.max(relaySeconds, 1e-3)),
    jobs,
    failedJobs: jobsDone.failed - first.failed,
    drainSeconds: Number(drainSeconds.toFixed(2)),
    endToEndEventsPerSecond: Math.round(observed / Math.max(drainSeconds, 1e-3)),
    jobsPerSecond: Math.round(jobs / Math.max(drainSeconds, 1e-3)),
    jobBackend: o.mode === "postgres" && o.redisUrl ? "BullMQ on Redis" : "database (jobs table)",
    usage,
    cpuMsPerEvent: {
      server: perEvent(usage.servers[0]?.cpuPercent ?? 0),
      ...(usage.databaseCpuPercent === undefined ? {} : { database: perEvent(usage.databaseCpuPercent) }),
    },
  };
  if (dbBefore && dbBefore.published > 0) {
    report.notes.push(`${dbBefore.published} events were published while the server started (before the first sample); the rates cover the ${observed} after it`);
  }
  if (observed < o.events / 2) report.notes.push("less than half the backlog fell inside the observed window: use a larger --events for a steadier figure");
  report.outbox = result;
  report.targets = outboxTargets(o, result);
}
