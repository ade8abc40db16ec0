import { runApprovals } from "./approvals.js";
import { runPhase, type Action } from "./driver.js";
import { hotViewPicker, mixPicker, MIX, resolveMix, Workload } from "./mix.js";
import type { BenchOptions } from "./options.js";
import { runOutbox } from "./outbox.js";
import { machineInfo } from "./procstat.js";
import type { BenchReport, PhaseReport } from "./report.js";
import { startCeiling } from "./servers.js";
import { cleanupAll, cleanups, datasetOf, documentedRoutes, loadInto, measured, prepareStore, startNodes, type Log } from "./stage.js";
import { mixTargets, scaleTargets } from "./targets.js";

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

export async function runBench(o: BenchOptions, log: Log = () => undefined): Promise<BenchReport> {
  const report = baseReport(o, new Date().toISOString());
  try {
    if (o.scenario === "mix") await runMix(o, report, log);
    else if (o.scenario === "list-board") await runListBoard(o, report, log);
    else if (o.scenario === "ceiling") report.phases.push(await ceilingPhase(o, log));
    else if (o.scenario === "approvals") await runApprovals(o, report, log);
    else if (o.scenario === "outbox") await runOutbox(o, report, log);
    else throw new Error(`scenario ${o.scenario} is not runnable`);
  } finally {
    await cleanupAll();
  }
  report.finishedAt = new Date().toISOString();
  return report;
}
