import { Counter, Histogram, type Registry } from "prom-client";
import type { InstanceSession } from "./engine/session.js";

// Approval metrics: created unregistered, so every app (tests build many) gets its
// own set; registerOn() attaches them to the app's registry for /metrics.

const LATENCY_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600];

export class ApprovalMetrics {
  readonly started = new Counter({ name: "plinth_approvals_started_total", help: "Approval instances started", registers: [] });
  readonly finished = new Counter({
    name: "plinth_approvals_finished_total",
    help: "Approval instances finished, by outcome (approved, rejected, withdrawn)",
    labelNames: ["outcome"] as const,
    registers: [],
  });
  readonly decisionSeconds = new Histogram({
    name: "plinth_approval_decision_seconds",
    help: "Time from a task becoming pending to its decision, by outcome",
    labelNames: ["outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });
  readonly turnaroundSeconds = new Histogram({
    name: "plinth_approval_turnaround_seconds",
    help: "End-to-end time from start to finish of an approval, by outcome",
    labelNames: ["outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [],
  });

  registerOn(registry: Registry): void {
    const all: [string, Parameters<Registry["registerMetric"]>[0]][] = [
      ["plinth_approvals_started_total", this.started],
      ["plinth_approvals_finished_total", this.finished],
      ["plinth_approval_decision_seconds", this.decisionSeconds],
      ["plinth_approval_turnaround_seconds", this.turnaroundSeconds],
    ];
    for (const [name, metric] of all) if (!registry.getSingleMetric(name)) registry.registerMetric(metric);
  }

  /** Records a committed action. */
  record(s: InstanceSession, started: boolean): void {
    if (started) this.started.inc();
    for (const d of s.decisions) this.decisionSeconds.observe({ outcome: d.outcome }, d.waitedSeconds);
    if (s.finishedWith) {
      this.finished.inc({ outcome: s.finishedWith });
      const seconds = (Date.parse(s.now) - Date.parse(s.instance.createdAt)) / 1000;
      this.turnaroundSeconds.observe({ outcome: s.finishedWith }, Math.max(0, seconds));
    }
  }
}
