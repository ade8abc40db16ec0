import { runApprovals } from "./approvals.js";
import { loadPlanningDataset, type PlanningDataset } from "./dataset/planning.js";
import { PLANNING_SIZES } from "./dataset/tiers.js";
import { runPhase, runSequential, type Action } from "./driver.js";
import { hotViewPicker, mixPicker, MIX, resolveMix } from "./mix.js";
import type { BenchOptions } from "./options.js";
import { runOutbox } from "./outbox.js";
import { watchDatabase } from "./pgstats.js";
import { machineInfo, watchProcesses } from "./procstat.js";
import { phaseReport, type BenchReport, type PhaseReport } from "./report.js";
import { startCeiling } from "./servers.js";
import { cleanupAll, cleanups, datasetOf, documentedRoutes, loadInto, measured, prepareStore, startNodes, todayUtc, withLoader, type Log } from "./stage.js";
import { mixTargets, planningTargets, scaleTargets } from "./targets.js";
import { runWebSocket } from "./websocket.js";
import { Workload } from "./workload.js";

export { cleanupAll } from "./stage.js";

// One benchmark run: data store, dataset, server processes, phases, report.
// Everything it starts it also stops, on success, failure or Ctrl-C.

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
  const workload = new Workload(loaded.plan, loaded.tokens, routes, loaded);
  const actions = resolveMix(routes, selectedActions(o), workload);
  const pick = mixPicker(workload, actions, o.seed, o.connections);
  if (o.warmup > 0) {
    log(`warming up for ${o.warmup} s`);
    await runPhase({ origins: nodes.map((n) => n.origin), connections: o.connections, seconds: o.warmup, next: pick });
  }
  log(`measuring the mix for ${o.duration} s`);
  const mix = await measured("mix", o.only ? `only ${o.only.join(", ")} on the ${tier} tier` : `BENCH.md mix on the ${tier} tier`, nodes, store, o.connections, o.duration, pick, actions);
  report.phases.push(mix);
  for (const [name, draws] of workload.ranOut) {
    report.notes.push(`${name} ran out of generated work (all ${loaded.pendingApprovals.length} open approval tasks were tried): ${draws} later draws went to other actions, so its share is understated`);
  }
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

/** Warm-up requests per endpoint before the measured ones (JIT, plan and page caches). */
const PLANNING_WARMUP = 5;

/** The body of one GET, for checking that the endpoint computed what the dataset holds. */
async function getJson<T>(origin: string, path: string, token: string): Promise<T> {
  const res = await fetch(origin + path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/**
 * Issue 6: one big project's schedule and the org's 12-week workload, each timed
 * as one user sees it: the first request after the server started, a warm-up,
 * then `--requests` sequential requests with the server's CPU over them.
 */
async function runPlanning(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  const size = PLANNING_SIZES[o.planningSize];
  const store = await prepareStore(o);
  const data: PlanningDataset = await withLoader(store, (db) => {
    log(`loading the planning dataset, size ${size.name} (${store.describe})`);
    return loadPlanningDataset(db, size, { seed: o.seed, today: todayUtc(), log });
  });
  report.dataset = { tier: size.name, seed: o.seed, anchor: data.from, counts: data.counts, loadSeconds: { total: Number(data.seconds.toFixed(1)) }, skipped: [] };
  const [node] = await startNodes(store, { ...o, nodes: 1 });
  const origin = node!.origin;
  const schedule: Action = { name: "schedule", requests: () => [{ method: "GET", path: `/api/v1/projects/${data.projectId}/schedule`, token: data.token }] };
  const workload: Action = {
    name: "workload",
    requests: () => [{ method: "GET", path: `/api/v1/orgs/${data.orgId}/workload?from=${data.from}&to=${data.to}`, token: data.token }],
  };
  const first = async (a: Action) => {
    const r = await runSequential({ origin, count: 1, action: a });
    const s = r.actions.get(a.name)!;
    if (s.errors > 0) throw new Error(`first ${a.name} request failed: ${s.errorSamples.join("; ")}`);
    return Number(s.latencies[0]!.toFixed(1));
  };
  log("first request of each endpoint after the start");
  const coldMs = { schedule: await first(schedule), workload: await first(workload) };
  // What came back must be the whole dataset, or the timings would flatter a broken endpoint.
  const sched = await getJson<{ tasks: unknown[] }>(origin, schedule.requests()[0]!.path, data.token);
  const load = await getJson<{ weeks: unknown[]; users: unknown[] }>(origin, workload.requests()[0]!.path, data.token);
  if (sched.tasks.length !== size.tasks) throw new Error(`the schedule has ${sched.tasks.length} tasks, the project ${size.tasks}`);
  if (load.users.length !== size.users || load.weeks.length !== size.weeks) throw new Error(`the workload has ${load.users.length} users and ${load.weeks.length} weeks, not ${size.users} and ${size.weeks}`);
  report.planning = { size: size.name, from: data.from, to: data.to, coldMs, scheduledTasks: sched.tasks.length, workloadUsers: load.users.length, workloadWeeks: load.weeks.length };
  for (const [a, label] of [
    [schedule, `GET /projects/{id}/schedule: ${size.tasks} tasks, ${size.dependencies} dependencies`],
    [workload, `GET /orgs/{id}/workload: ${size.users} users, ${size.weeks} weeks`],
  ] as const) {
    await runSequential({ origin, count: PLANNING_WARMUP, action: a });
    log(`measuring ${a.name}: ${o.requests} sequential requests`);
    const watch = watchProcesses([node!.pid], store.database);
    const dbWatch = store.database && store.env.DATABASE_URL ? await watchDatabase(store.env.DATABASE_URL) : undefined;
    const result = await runSequential({ origin, count: o.requests, action: a });
    const phase = phaseReport(`planning_${a.name}`, `${label}, sequential`, result, 1, watch.stop());
    if (dbWatch) phase.database = await dbWatch.stop();
    report.phases.push(phase);
  }
  await node!.stop();
  report.notes.push(`first request after the server started: schedule ${coldMs.schedule} ms, workload ${coldMs.workload} ms`);
  report.targets = planningTargets(o, report.phases, coldMs);
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
    else if (o.scenario === "planning") await runPlanning(o, report, log);
    else if (o.scenario === "ceiling") report.phases.push(await ceilingPhase(o, log));
    else if (o.scenario === "websocket") await runWebSocketScenario(o, report, log);
    else if (o.scenario === "approvals") await runApprovals(o, report, log);
    else await runOutbox(o, report, log);
  } finally {
    await cleanupAll();
  }
  report.finishedAt = new Date().toISOString();
  return report;
}
