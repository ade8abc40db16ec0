import { resolve } from "node:path";
import { loadConfig } from "../src/config.js";
import { openDatabase, type Database } from "../src/platform/db/index.js";
import { migrate } from "../src/platform/db/migrate.js";
import { appDerived } from "./dataset/derived.js";
import { loadDataset, type LoadResult } from "./dataset/load.js";
import { TIERS, type TierName } from "./dataset/tiers.js";
import { runPhase, type Action } from "./driver.js";
import { routesOf, type ResolvedAction } from "./mix.js";
import type { BenchOptions } from "./options.js";
import { watchDatabase } from "./pgstats.js";
import { watchProcesses } from "./procstat.js";
import { phaseReport, type PhaseReport } from "./report.js";
import { embeddedStore, postgresStore, startPlinth, type BenchStore, type RunningServer } from "./servers.js";

// The pieces every scenario is built from: a data store, the dataset loaded into
// it, server nodes, and measured phases. Everything started here is registered
// for cleanup, which runs on success, failure or Ctrl-C.

export type Log = (line: string) => void;

export const cleanups: (() => Promise<void>)[] = [];

/** Stops every server and drops every store this process started (also used on SIGINT). */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
}

export async function prepareStore(o: BenchOptions): Promise<BenchStore> {
  const store = o.mode === "postgres" ? await postgresStore(o.pgUrl, o.redisUrl, o.keep) : embeddedStore();
  cleanups.push(() => store.cleanup());
  return store;
}

/** Loads the dataset through the app's own database layer and migrations, then closes it. */
export async function loadInto(store: BenchStore, tier: TierName, o: BenchOptions, log: Log): Promise<LoadResult> {
  // Index builds and ANALYZE on the large tier run for minutes: no statement timeout while loading.
  const config = loadConfig({ ...store.env, LOG_LEVEL: "warn", DATABASE_STATEMENT_TIMEOUT_MS: "3600000" });
  const db = await openDatabase(config);
  try {
    await migrate(db);
    log(`loading the ${tier} dataset (${store.describe})`);
    const loaded = await loadDataset(db, TIERS[tier], { seed: o.seed, anchor: todayUtc(), derived: appDerived, log });
    log(`  loaded in ${loaded.seconds.total.toFixed(1)} s`);
    return loaded;
  } finally {
    await db.close();
  }
}

/** Runs fn on the store through the app's own database layer (no server may hold an embedded store meanwhile). */
export async function withDatabase<T>(store: BenchStore, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig({ ...store.env, LOG_LEVEL: "warn", DATABASE_STATEMENT_TIMEOUT_MS: "3600000" }));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Migrates the store, then runs `load` on it through the app's own database layer. */
export async function withLoader<T>(store: BenchStore, load: (db: Database) => Promise<T>): Promise<T> {
  return withDatabase(store, async (db) => {
    await migrate(db);
    return load(db);
  });
}

export function todayUtc(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export async function startNodes(store: BenchStore, o: BenchOptions, extraEnv: Record<string, string> = {}): Promise<RunningServer[]> {
  const env = { ...store.env, ...extraEnv, LOG_LEVEL: o.logLevel, ...(o.poolSize ? { DATABASE_POOL_SIZE: String(o.poolSize) } : {}) };
  const nodes: RunningServer[] = [];
  // Started one after another: the first applies migrations (none left after the load), the rest find them done.
  for (let i = 0; i < o.nodes; i++) {
    const profile = o.cpuProf ? ["--cpu-prof", "--cpu-prof-dir", resolve(o.cpuProf)] : [];
    const node = await startPlinth(`plinth-${i + 1}`, env, profile);
    nodes.push(node);
    cleanups.push(() => node.stop());
  }
  return nodes;
}

export async function documentedRoutes(origin: string): Promise<Set<string>> {
  const res = await fetch(`${origin}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return routesOf((await res.json()) as { paths?: Record<string, Record<string, unknown>> });
}

export async function measured(
  name: string,
  description: string,
  servers: RunningServer[],
  store: BenchStore | undefined,
  connections: number,
  seconds: number,
  next: (vu: number) => Action | undefined,
  actions?: ResolvedAction[],
  rate?: number,
): Promise<PhaseReport> {
  const watch = watchProcesses(servers.map((s) => s.pid), store?.database);
  const dbWatch = store?.database && store.env.DATABASE_URL ? await watchDatabase(store.env.DATABASE_URL) : undefined;
  const result = await runPhase({ origins: servers.map((s) => s.origin), connections, seconds, next, ...(rate ? { rate } : {}) });
  const report = phaseReport(name, description, result, connections, watch.stop(), actions);
  if (dbWatch) report.database = await dbWatch.stop();
  return report;
}

export const datasetOf = (tier: TierName, o: BenchOptions, loaded: LoadResult) => ({
  tier,
  seed: o.seed,
  anchor: loaded.plan.anchor.toISOString().slice(0, 10),
  counts: loaded.counts,
  loadSeconds: Object.fromEntries(Object.entries(loaded.seconds).map(([k, v]) => [k, Number(v.toFixed(1))])),
  skipped: loaded.skipped,
});
