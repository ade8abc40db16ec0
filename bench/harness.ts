import { resolve } from "node:path";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/platform/db/index.js";
import { migrate } from "../src/platform/db/migrate.js";
import { appDerived } from "./dataset/derived.js";
import { loadDataset, type LoadResult } from "./dataset/load.js";
import { TIERS, type TierName } from "./dataset/tiers.js";
import { runPhase, type Action } from "./driver.js";
import { hotViewPicker, mixPicker, MIX, resolveMix, routesOf, Workload, type ResolvedAction } from "./mix.js";
import type { BenchOptions } from "./options.js";
import { watchDatabase } from "./pgstats.js";
import { machineInfo, watchProcesses } from "./procstat.js";
import { phaseReport, type BenchReport, type PhaseReport } from "./report.js";
import { embeddedStore, postgresStore, startCeiling, startPlinth, type BenchStore, type RunningServer } from "./servers.js";
import { mixTargets, scaleTargets } from "./targets.js";
import { runWebSocket } from "./websocket.js";

// One benchmark run: data store, dataset, server processes, phases, report.
// Everything it starts it also stops, on success, failure or Ctrl-C.

type Log = (line: string) => void;

const cleanups: (() => Promise<void>)[] = [];

/** Stops every server and drops every store this process started (also used on SIGINT). */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
}

async function prepareStore(o: BenchOptions): Promise<BenchStore> {
  const store = o.mode === "postgres" ? await postgresStore(o.pgUrl, o.redisUrl, o.keep) : embeddedStore();
  cleanups.push(() => store.cleanup());
  return store;
}

/** Loads the dataset through the app's own database layer and migrations, then closes it. */
async function loadInto(store: BenchStore, tier: TierName, o: BenchOptions, log: Log): Promise<LoadResult> {
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

function todayUtc(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

async function startNodes(store: BenchStore, o: BenchOptions, extraEnv: Record<string, string> = {}): Promise<RunningServer[]> {
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

async function documentedRoutes(origin: string): Promise<Set<string>> {
  const res = await fetch(`${origin}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return routesOf((await res.json()) as { paths?: Record<string, Record<string, unknown>> });
}

async function measured(
  name: string,
  description: string,
  servers: RunningServer[],
  store: BenchStore | undefined,
  connections: number,
  seconds: number,
  next: (vu: number) => Action,
  actions?: ResolvedAction[],
): Promise<PhaseReport> {
  const watch = watchProcesses(servers.map((s) => s.pid), store?.database);
  const dbWatch = store?.database && store.env.DATABASE_URL ? await watchDatabase(store.env.DATABASE_URL) : undefined;
  const result = await runPhase({ origins: servers.map((s) => s.origin), connections, seconds, next });
  const report = phaseReport(name, description, result, connections, watch.stop(), actions);
  if (dbWatch) report.database = await dbWatch.stop();
  return report;
}

async function ceilingPhase(o: BenchOptions, log: Log): Promise<PhaseReport> {
  log("measuring the bare Fastify ceiling");
  const server = await startCeiling();
  cleanups.push(() => server.stop());
  try {
    const hello: Action = { name: "hello", requests: () => [{ method: "GET", path: "/hello" }] };
    await runPhase({ origins: [server.origin], connections: o.connections, seconds: Math.min(3, o.warmup || 1), next: () => hello });
    return await measured("ceiling", "bare Fastify GET /hello, same driver and connections", [server], undefined, o.connections, o.focusDuration, () => hello);
  } finally {
    await server.stop();
  }
}

function modeLabel(o: BenchOptions): string {
  return o.mode === "postgres" ? `PostgreSQL${o.redisUrl ? " + Redis" : ""}` : "embedded (PGlite)";
}

function baseReport(o: BenchOptions, startedAt: string): BenchReport {
  return {
    version: 1,
    startedAt,
    finishedAt: startedAt,
    options: { ...o, pgUrl: undefined, redisUrl: o.redisUrl ? "(set)" : undefined },
    mode: modeLabel(o),
    nodes: o.nodes,
    machine: machineInfo(),
    phases: [],
    ratios: { mixVsCeilingPercent: null, viewTaskVsCeilingPercent: null },
    targets: [],
    notes: [],
  };
}

const datasetOf = (tier: TierName, o: BenchOptions, loaded: LoadResult) => ({
  tier,
  seed: o.seed,
  anchor: loaded.plan.anchor.toISOString().slice(0, 10),
  counts: loaded.counts,
  loadSeconds: Object.fromEntries(Object.entries(loaded.seconds).map(([k, v]) => [k, Number(v.toFixed(1))])),
  skipped: loaded.skipped,
});

function selectedActions(o: BenchOptions) {
  if (!o.only) return MIX;
  const unknown = o.only.filter((n) => !MIX.some((a) => a.name === n));
  if (unknown.length > 0) throw new Error(`--only: unknown action(s) ${unknown.join(", ")}; known: ${MIX.map((a) => a.name).join(", ")}`);
  return MIX.filter((a) => o.only!.includes(a.name));
}

/** The whole run for the mix scenario: mix, cached view-task path, then the ceiling. */
async function runMix(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  const tier = o.tiers[0]!;
  const store = await prepareStore(o);
  const loaded = await loadInto(store, tier, o, log);
  report.dataset = datasetOf(tier, o, loaded);
  log(`starting ${o.nodes} server node(s)`);
  const nodes = await startNodes(store, o);
  const routes = await documentedRoutes(nodes[0]!.origin);
  const actions = resolveMix(routes, selectedActions(o));
  const workload = new Workload(loaded.plan, loaded.tokens, routes);
  const pick = mixPicker(workload, actions, o.seed, o.connections);
  if (o.warmup > 0) {
    log(`warming up for ${o.warmup} s`);
    await runPhase({ origins: nodes.map((n) => n.origin), connections: o.connections, seconds: o.warmup, next: pick });
  }
  log(`measuring the mix for ${o.duration} s`);
  const mix = await measured("mix", o.only ? `only ${o.only.join(", ")} on the ${tier} tier` : `BENCH.md mix on the ${tier} tier`, nodes, store, o.connections, o.duration, pick, actions);
  report.phases.push(mix);
  let view: PhaseReport | undefined;
  if (actions.find((a) => a.name === "view_task")?.available) {
    log(`measuring the cached view-task path for ${o.focusDuration} s`);
    view = await measured("view_task_hot", "GET /api/v1/tasks/{id} on the most recent tasks of the biggest projects, many users", nodes, store, o.connections, o.focusDuration, hotViewPicker(workload, o.seed, o.connections));
    report.phases.push(view);
  } else {
    report.notes.push("view-task route not built yet: the cached view-task phase was skipped");
  }
  for (const n of nodes) await n.stop();
  let ceilingRps: number | null = null;
  if (o.ceiling) {
    const ceiling = await ceilingPhase(o, log);
    report.phases.push(ceiling);
    ceilingRps = ceiling.overall.rps;
    if (!o.only) report.ratios.mixVsCeilingPercent = Number(((mix.overall.rps / ceilingRps) * 100).toFixed(1));
    if (view) report.ratios.viewTaskVsCeilingPercent = Number(((view.overall.rps / ceilingRps) * 100).toFixed(1));
  }
  // A partial mix is a profiling run: its totals are not the mix the targets speak of.
  report.targets = mixTargets(o, o.only ? undefined : mix, view, ceilingRps);
}

/** list/board p99 per tier, for the "medium -> large at most 1.5x" target. */
async function runListBoard(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  for (const tier of o.tiers) {
    const store = await prepareStore(o);
    const loaded = await loadInto(store, tier, o, log);
    report.dataset ??= datasetOf(tier, o, loaded);
    report.notes.push(`${tier}: ${Object.entries(loaded.counts).map(([k, v]) => `${k} ${v}`).join(", ")}, loaded in ${loaded.seconds.total.toFixed(1)} s`);
    const nodes = await startNodes(store, o);
    const routes = await documentedRoutes(nodes[0]!.origin);
    const actions = resolveMix(routes, MIX.filter((a) => a.name === "board" || a.name === "list_search"));
    const workload = new Workload(loaded.plan, loaded.tokens, routes);
    const pick = mixPicker(workload, actions, o.seed, o.connections);
    if (o.warmup > 0) await runPhase({ origins: nodes.map((n) => n.origin), connections: o.connections, seconds: o.warmup, next: pick });
    log(`measuring list and board on ${tier} for ${o.duration} s`);
    report.phases.push(await measured(`list_board_${tier}`, `board and list views only, ${tier} tier`, nodes, store, o.connections, o.duration, pick, actions));
    for (const n of nodes) await n.stop();
    await cleanupAll();
  }
  report.targets = scaleTargets(o.tiers, report.phases);
}

/** One node on an empty database (the scenario makes its own org); signup open for that. */
async function runWebSocketScenario(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  const store = await prepareStore(o);
  log(`starting one server node (${store.describe})`);
  const [node] = await startNodes(store, { ...o, nodes: 1 }, { PLINTH_OPEN_SIGNUP: "true" });
  await runWebSocket(o, node!, report, log);
}

export async function runBench(o: BenchOptions, log: Log = () => undefined): Promise<BenchReport> {
  const report = baseReport(o, new Date().toISOString());
  try {
    if (o.scenario === "mix") await runMix(o, report, log);
    else if (o.scenario === "list-board") await runListBoard(o, report, log);
    else if (o.scenario === "ceiling") report.phases.push(await ceilingPhase(o, log));
    else if (o.scenario === "websocket") await runWebSocketScenario(o, report, log);
    else throw new Error(`scenario ${o.scenario} is not runnable`);
  } finally {
    await cleanupAll();
  }
  report.finishedAt = new Date().toISOString();
  return report;
}
