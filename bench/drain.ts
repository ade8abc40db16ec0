import type { Log } from "./stage.js";

// Following a node's background work (outbox relay, consumer jobs) from its own
// /metrics, so it works the same with PGlite inside the server and with
// PostgreSQL outside it: the outbox scenario's relay rate, and the approvals
// scenario's drain after its timed phase.

export interface Sample {
  at: number;
  published: number;
  pending: number;
  completed: number;
  failed: number;
  waiting: number;
}

/** Sums every series of a metric in Prometheus text format. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== " " && line[name.length] !== "{")) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1)) || 0;
  }
  return sum;
}

export async function sample(origin: string): Promise<Sample> {
  const res = await fetch(`${origin}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const text = await res.text();
  return {
    at: performance.now(),
    published: metricSum(text, "plinth_outbox_published_total"),
    pending: metricSum(text, "plinth_outbox_pending_events"),
    completed: metricSum(text, "plinth_jobs_completed_total"),
    failed: metricSum(text, "plinth_jobs_failed_total"),
    waiting: metricSum(text, "plinth_jobs_waiting"),
  };
}

const QUIET_MS = 1500;
const TIMEOUT_MS = 20 * 60_000;

/** Samples until the outbox is empty and no job finished for QUIET_MS; returns the first, relay-done and last-job samples. */
export async function follow(origin: string, first: Sample, log: Log): Promise<{ relayDone: Sample; jobsDone: Sample }> {
  let relayDone: Sample | undefined;
  let lastChange = first;
  let lastLog = first.at;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const s = await sample(origin);
    if (!relayDone && s.pending === 0) relayDone = s;
    if (s.completed + s.failed !== lastChange.completed + lastChange.failed) lastChange = s;
    if (relayDone && s.waiting === 0 && s.at - lastChange.at >= QUIET_MS) return { relayDone, jobsDone: lastChange.at > relayDone.at ? lastChange : relayDone };
    if (s.at - lastLog > 5000) {
      log(`  ${s.published - first.published} published, ${s.pending} pending, ${s.completed - first.completed} jobs done, ${s.waiting} waiting`);
      lastLog = s.at;
    }
    if (s.at - first.at > TIMEOUT_MS) throw new Error(`outbox not drained within ${TIMEOUT_MS / 60_000} min: ${JSON.stringify(s)}`);
  }
}

