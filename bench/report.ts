import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { statsOf, type PhaseResult, type Stats } from "./driver.js";
import type { ResolvedAction } from "./mix.js";
import { formatDatabaseActivity, type DatabaseActivity } from "./pgstats.js";
import type { OutboxResult } from "./outbox.js";
import type { MachineInfo, PhaseUsage } from "./procstat.js";
import { repoRoot } from "./servers.js";
import { formatWebSocket, type WebSocketReport } from "./websocket.js";

// The report a person reads (fixed-width tables) and the same facts as JSON for
// machines (bench/results/*.json). Every number printed is in the JSON.

export interface ActionReport {
  name: string;
  label: string;
  share: number;
  effectiveShare: number;
  measured: boolean;
  reason?: string;
  stats?: Stats;
  statuses?: Record<string, number>;
  errorSamples?: string[];
}

export interface PhaseReport {
  name: string;
  description: string;
  seconds: number;
  connections: number;
  actions: ActionReport[];
  overall: Stats;
  usage: PhaseUsage;
  /** PostgreSQL counters over the phase (postgres mode). */
  database?: DatabaseActivity;
  /**
   * CPU milliseconds spent per request by the server node(s) and the PostgreSQL
   * backends: less sensitive to a busy machine than req/s, and 1000 / server
   * says how many req/s one Node process could serve with a core to itself.
   */
  cpuMsPerRequest: { server: number; database?: number };
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** true met, false not yet, null not measurable in this run */
  met: boolean | null;
  note?: string;
}

export interface BenchReport {
  version: 1;
  startedAt: string;
  finishedAt: string;
  options: Record<string, unknown>;
  mode: string;
  nodes: number;
  machine: MachineInfo;
  dataset?: { tier: string; seed: string; anchor: string; counts: Record<string, number>; loadSeconds: Record<string, number>; skipped: string[] };
  phases: PhaseReport[];
  ratios: { mixVsCeilingPercent: number | null; viewTaskVsCeilingPercent: number | null };
  targets: TargetCheck[];
  notes: string[];
  /** Planning scenario: the window asked for and the first request of each endpoint after the server started. */
  planning?: { size: string; from: string; to: string; coldMs: { schedule: number; workload: number }; scheduledTasks: number; workloadUsers: number; workloadWeeks: number };
  /** The websocket scenario's figures. */
  websocket?: WebSocketReport;
  /** The outbox scenario's drain (it has no request phases). */
  outbox?: OutboxResult;
  /** The approvals scenario: the relay and notification jobs still queued when its timed phase ended. */
  approvalDrain?: ApprovalDrain;
  /** The same after the approvals scenario's paced (open-loop) phase: near zero when the jobs keep up. */
  pacedApprovalDrain?: ApprovalDrain;
}

export interface ApprovalDrain {
  /** From the end of the timed phase until the outbox is empty and no job waits. */
  drainSeconds: number;
  jobsAfterPhase: number;
  /** Decisions of the timed phase over the phase plus the drain: what the node sustains with all the work they cause. */
  sustainedPerSecond: number;
  /** Server and PostgreSQL CPU of the phase and the drain, per decision. */
  cpuMsPerDecision: { server: number; database?: number };
}

export function phaseReport(
  name: string,
  description: string,
  result: PhaseResult,
  connections: number,
  usage: PhaseUsage,
  actions?: ResolvedAction[],
): PhaseReport {
  const rows: ActionReport[] = [];
  const seen = new Set<string>();
  for (const a of actions ?? []) {
    seen.add(a.name);
    const sample = result.actions.get(a.name);
    rows.push({
      name: a.name,
      label: a.label,
      share: a.share,
      effectiveShare: Number(a.effectiveShare.toFixed(1)),
      measured: a.available,
      ...(a.reason ? { reason: a.reason } : {}),
      ...(a.available && sample ? { stats: statsOf([sample], result.seconds), statuses: sample.statuses, errorSamples: sample.errorSamples } : {}),
      ...(a.available && !sample ? { stats: statsOf([], result.seconds) } : {}),
    });
  }
  for (const [n, sample] of result.actions) {
    if (seen.has(n)) continue;
    rows.push({ name: n, label: n, share: 100, effectiveShare: 100, measured: true, stats: statsOf([sample], result.seconds), statuses: sample.statuses, errorSamples: sample.errorSamples });
  }
  const overall = statsOf([...result.actions.values()], result.seconds);
  const perRequest = (cpuPercent: number) => Number(((cpuPercent / 100) * result.seconds * 1000 / Math.max(1, overall.requests)).toFixed(2));
  return {
    name,
    description,
    seconds: Number(result.seconds.toFixed(2)),
    connections,
    actions: rows,
    overall,
    usage,
    cpuMsPerRequest: {
      server: perRequest(usage.servers.reduce((sum, x) => sum + x.cpuPercent, 0)),
      ...(usage.databaseCpuPercent === undefined ? {} : { database: perRequest(usage.databaseCpuPercent) }),
    },
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

export function formatPhase(p: PhaseReport): string {
  const head = `${pad("action", 24)}${lpad("share", 7)}${lpad("requests", 10)}${lpad("errors", 8)}${lpad("4xx ok", 8)}${lpad("req/s", 9)}${lpad("p50 ms", 9)}${lpad("p95 ms", 9)}${lpad("p99 ms", 9)}${lpad("max ms", 9)}`;
  const line = "-".repeat(head.length);
  const rows = p.actions.map((a) => {
    const share = lpad(a.measured ? `${fmt(a.effectiveShare)}%` : `${a.share}%`, 7);
    if (!a.measured || !a.stats) return `${pad(a.name, 24)}${share}  ${a.reason ?? "n/a"}`;
    const s = a.stats;
    return `${pad(a.name, 24)}${share}${lpad(String(s.requests), 10)}${lpad(String(s.errors), 8)}${lpad(String(s.expected4xx), 8)}${lpad(fmt(s.rps), 9)}${lpad(fmt(s.p50), 9)}${lpad(fmt(s.p95), 9)}${lpad(fmt(s.p99), 9)}${lpad(fmt(s.max), 9)}`;
  });
  const o = p.overall;
  const total = `${pad("overall", 24)}${lpad("", 7)}${lpad(String(o.requests), 10)}${lpad(String(o.errors), 8)}${lpad(String(o.expected4xx), 8)}${lpad(fmt(o.rps), 9)}${lpad(fmt(o.p50), 9)}${lpad(fmt(o.p95), 9)}${lpad(fmt(o.p99), 9)}${lpad(fmt(o.max), 9)}`;
  const servers = p.usage.servers.map((s, i) => `node ${i + 1}: RSS ${s.rssMbMax} MB max (${s.rssMbEnd} MB at end), CPU ${s.cpuPercent}% of one core`).join("; ");
  const errors = p.actions.flatMap((a) => (a.errorSamples ?? []).map((e) => `  ! ${a.name}: ${e}`));
  return [
    `== ${p.name}: ${p.description} (${p.seconds} s, ${p.connections} connections)`,
    head,
    line,
    ...rows,
    line,
    total,
    `server ${servers}`,
    `${p.usage.databaseCpuPercent === undefined ? "" : `PostgreSQL backends CPU ${p.usage.databaseCpuPercent}% of one core; `}driver CPU ${p.usage.driverCpuPercent}% of one core; machine busy ${p.usage.machineBusyPercent}% of all cores, of which other processes ${p.usage.otherCpuPercent}% of one core`,
    `CPU per request: server ${p.cpuMsPerRequest.server} ms${p.cpuMsPerRequest.database === undefined ? "" : `, PostgreSQL ${p.cpuMsPerRequest.database} ms`}`,
    ...(p.database ? [formatDatabaseActivity(p.database, p.overall.requests)] : []),
    ...errors,
  ].join("\n");
}

export function formatOutbox(x: OutboxResult): string {
  const u = x.usage;
  const server = u.servers.map((s) => `RSS ${s.rssMbMax} MB max, CPU ${s.cpuPercent}% of one core`).join("; ");
  return [
    `== outbox: a backlog of ${x.backlog} committed events drained by the relay and its consumer jobs (${x.jobBackend})`,
    `relay:      ${x.observedEvents} events published in ${x.relaySeconds} s = ${x.relayEventsPerSecond} events/s`,
    `with jobs:  ${x.jobs} consumer jobs done (${x.failedJobs} failed), all drained after ${x.drainSeconds} s = ${x.endToEndEventsPerSecond} events/s, ${x.jobsPerSecond} jobs/s`,
    `server ${server}`,
    `${u.databaseCpuPercent === undefined ? "" : `PostgreSQL backends CPU ${u.databaseCpuPercent}% of one core; `}machine busy ${u.machineBusyPercent}% of all cores, of which other processes ${u.otherCpuPercent}% of one core`,
    `CPU per event (per job when the window saw fewer events than jobs): server ${x.cpuMsPerEvent.server} ms${x.cpuMsPerEvent.database === undefined ? "" : `, PostgreSQL ${x.cpuMsPerEvent.database} ms`}`,
  ].join("\n");
}

export function formatApprovalDrain(d: ApprovalDrain, phase = "the timed phase"): string {
  const cpu = `server ${d.cpuMsPerDecision.server} ms${d.cpuMsPerDecision.database === undefined ? "" : ` + PostgreSQL ${d.cpuMsPerDecision.database} ms`}`;
  return [
    `== after ${phase}: ${d.jobsAfterPhase} more jobs (relay, notifications) done in ${d.drainSeconds} s`,
    `sustained with all the work the decisions cause: ${d.sustainedPerSecond} decisions/s; CPU per decision including it: ${cpu}`,
  ].join("\n");
}

export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const out = [
    "",
    `Plinth benchmark  ${r.startedAt}`,
    `mode ${r.mode}, nodes ${r.nodes}; machine ${m.nproc} cores (${m.cpuModel}), ${Math.round(m.memoryMb / 1024)} GB, Node ${m.node}, load average before ${m.loadavg.join(" ")}`,
  ];
  if (r.dataset) {
    const d = r.dataset;
    out.push(
      `dataset ${d.tier} (seed ${d.seed}): ${Object.entries(d.counts).map(([k, v]) => `${k} ${v}`).join(", ")}; loaded in ${d.loadSeconds.total} s`,
      ...d.skipped.map((s) => `  not generated: ${s}`),
    );
  }
  for (const p of r.phases) out.push("", formatPhase(p));
  if (r.websocket) out.push("", formatWebSocket(r.websocket));
  if (r.outbox) out.push("", formatOutbox(r.outbox));
  if (r.approvalDrain) out.push("", formatApprovalDrain(r.approvalDrain));
  if (r.pacedApprovalDrain) out.push("", formatApprovalDrain(r.pacedApprovalDrain, "the paced phase"));
  out.push("");
  if (r.ratios.mixVsCeilingPercent !== null) out.push(`Plinth mix = ${r.ratios.mixVsCeilingPercent}% of the bare HTTP ceiling`);
  if (r.ratios.viewTaskVsCeilingPercent !== null) out.push(`cached view-task path = ${r.ratios.viewTaskVsCeilingPercent}% of the bare HTTP ceiling`);
  if (r.targets.length > 0) {
    out.push("", "targets (shared/BENCH.md):");
    for (const t of r.targets) {
      const verdict = t.met === null ? "n/a    " : t.met ? "met    " : "not yet";
      out.push(`  [${verdict}] ${t.target}: ${t.measured}${t.note ? ` (${t.note})` : ""}`);
    }
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}

export function writeReport(r: BenchReport, dir = join(repoRoot, "bench", "results")): string {
  mkdirSync(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, "-");
  const tier = r.dataset ? (r.options.scenario === "planning" ? r.dataset.tier : ((r.options.tiers as string[] | undefined)?.join("+") ?? r.dataset.tier)) : "none";
  const file = join(dir, `${stamp}-${String(r.options.scenario)}-${tier}-${String(r.options.mode)}-n${r.nodes}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}
