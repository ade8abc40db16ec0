import { readFileSync } from "node:fs";
import type { BenchReport, PhaseReport } from "./report.js";

// Turns result JSON files into the Markdown tables of docs/performance.md, so
// the figures in the docs are copied from a run, never typed by hand:
//   npx tsx bench/summarize.ts bench/results/<run>.json [...]

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function phaseTable(p: PhaseReport): string {
  const lines = [
    `| action | share | requests | errors | req/s | p50 ms | p95 ms | p99 ms |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const a of p.actions) {
    if (!a.measured || !a.stats) {
      lines.push(`| ${a.name} | ${a.share}% | ${a.reason ?? "n/a"} | | | | | |`);
      continue;
    }
    const s = a.stats;
    lines.push(`| ${a.name} | ${a.effectiveShare}% | ${s.requests} | ${s.errors} | ${s.rps} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} |`);
  }
  const o = p.overall;
  lines.push(`| **overall** | | **${o.requests}** | **${o.errors}** | **${o.rps}** | **${ms(o.p50)}** | **${ms(o.p95)}** | **${ms(o.p99)}** |`);
  const servers = p.usage.servers.map((s, i) => `node ${i + 1} RSS ${s.rssMbMax} MB max, CPU ${s.cpuPercent}%`).join("; ");
  const db = p.usage.databaseCpuPercent === undefined ? "" : `; PostgreSQL backends CPU ${p.usage.databaseCpuPercent}%`;
  lines.push("", `Server: ${servers}${db}; driver CPU ${p.usage.driverCpuPercent}% (process CPU in % of one core); whole machine busy ${p.usage.machineBusyPercent}% of all cores, other processes (Redis, other workloads) ${p.usage.otherCpuPercent ?? "?"}% of one core.`);
  if (p.cpuMsPerRequest) {
    const c = p.cpuMsPerRequest;
    lines.push(`CPU per request: server ${c.server} ms${c.database === undefined ? "" : `, PostgreSQL ${c.database} ms`}.`);
  }
  if (p.database) {
    const perReq = p.overall.requests ? (p.database.transactions / p.overall.requests).toFixed(1) : "0";
    lines.push(`PostgreSQL: ${perReq} transactions per request.`);
  }
  return lines.join("\n");
}

export function summarize(r: BenchReport): string {
  const o = r.options as { connections?: number; duration?: number };
  const out = [
    `### ${r.dataset?.tier ?? "no dataset"}, ${r.mode}, ${r.nodes} node(s), ${o.connections ?? "?"} connections (${r.startedAt.slice(0, 16).replace("T", " ")} UTC)`,
    "",
    `Load average before the run: ${r.machine.loadavg.join(" ")}.` +
      (r.dataset ? ` Dataset loaded in ${r.dataset.loadSeconds.total} s (${Object.entries(r.dataset.counts).map(([k, v]) => `${k} ${v}`).join(", ")}).` : ""),
  ];
  for (const p of r.phases) out.push("", `**${p.name}**: ${p.description}, ${p.seconds} s`, "", phaseTable(p));
  out.push("");
  if (r.ratios.mixVsCeilingPercent !== null) out.push(`- Plinth mix = ${r.ratios.mixVsCeilingPercent}% of the bare HTTP ceiling`);
  if (r.ratios.viewTaskVsCeilingPercent !== null) out.push(`- view-task path = ${r.ratios.viewTaskVsCeilingPercent}% of the bare HTTP ceiling`);
  for (const t of r.targets) out.push(`- ${t.met === null ? "n/a" : t.met ? "**met**" : "**not yet**"}: ${t.target} — ${t.measured}${t.note ? ` (${t.note})` : ""}`);
  return out.join("\n") + "\n";
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: tsx bench/summarize.ts bench/results/<run>.json [...]\n");
  process.exit(2);
}
for (const f of files) process.stdout.write(summarize(JSON.parse(readFileSync(f, "utf8")) as BenchReport) + "\n");
