import { Client } from "undici";

// A closed-loop load driver on undici: `connections` virtual users, each with its
// own keep-alive connection, send one request at a time and record the latency
// (first byte sent to last byte read) under the action that issued it.

export interface BenchRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  token?: string;
  body?: unknown;
}

export interface Action {
  name: string;
  /** Statuses >= 400 that are a correct answer for this action (not counted as errors). */
  expected?: readonly number[];
  requests(): BenchRequest[];
}

export interface Sample {
  latencies: number[];
  requests: number;
  errors: number;
  expected4xx: number;
  bytes: number;
  /** First few failures, for the report: "status method path: body". */
  errorSamples: string[];
  statuses: Record<string, number>;
}

export interface PhaseResult {
  seconds: number;
  actions: Map<string, Sample>;
}

const newSample = (): Sample => ({ latencies: [], requests: 0, errors: 0, expected4xx: 0, bytes: 0, errorSamples: [], statuses: {} });

export interface PhaseOptions {
  origins: string[];
  connections: number;
  seconds: number;
  /** Picks the next action for virtual user `vu`; undefined when it has no more work (it stops early). */
  next: (vu: number) => Action | undefined;
  timeoutMs?: number;
  /**
   * Open loop: start actions at this many per second overall, spread evenly over the virtual
   * users, instead of each starting its next as soon as the last is answered. A late answer
   * does not delay the schedule's clock: latency counts from when the action was due, so a
   * slow server shows in the percentiles (no coordinated omission).
   */
  rate?: number;
}

/** Runs one timed phase; every virtual user stops starting actions at the deadline. */
export async function runPhase(opts: PhaseOptions): Promise<PhaseResult> {
  const timeout = opts.timeoutMs ?? 15_000;
  const clients = Array.from(
    { length: opts.connections },
    (_, i) => new Client(opts.origins[i % opts.origins.length]!, { pipelining: 1, headersTimeout: timeout, bodyTimeout: timeout, keepAliveTimeout: 30_000 }),
  );
  const actions = new Map<string, Sample>();
  const sampleOf = (name: string): Sample => {
    let s = actions.get(name);
    if (!s) {
      s = newSample();
      actions.set(name, s);
    }
    return s;
  };
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;

  const rate = opts.rate;
  const vu = async (i: number): Promise<void> => {
    const client = clients[i]!;
    for (let k = 0; ; k++) {
      const due = rate ? started + ((k * opts.connections + i) * 1000) / rate : performance.now();
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const action = opts.next(i);
      if (!action) break;
      const sample = sampleOf(action.name);
      let since: number | undefined = rate ? due : undefined;
      for (const req of action.requests()) {
        await send(client, req, action, sample, since);
        since = undefined;
      }
    }
  };
  await Promise.all(clients.map((_, i) => vu(i)));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  return { seconds, actions };
}

/**
 * One connection, `count` requests one after another (no concurrency): the
 * latency of a single expensive request, as one user sees it.
 */
export async function runSequential(opts: { origin: string; count: number; action: Action; timeoutMs?: number }): Promise<PhaseResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  const client = new Client(opts.origin, { pipelining: 1, headersTimeout: timeout, bodyTimeout: timeout, keepAliveTimeout: 30_000 });
  const sample = newSample();
  const started = performance.now();
  try {
    for (let i = 0; i < opts.count; i++) for (const req of opts.action.requests()) await send(client, req, opts.action, sample);
  } finally {
    await client.close().catch(() => undefined);
  }
  return { seconds: (performance.now() - started) / 1000, actions: new Map([[opts.action.name, sample]]) };
}

/** Latency is from `since` (an open-loop schedule's due time) or from the moment of sending. */
async function send(client: Client, req: BenchRequest, action: Action, sample: Sample, since?: number): Promise<void> {
  const headers: Record<string, string> = {};
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers["content-type"] = "application/json";
  }
  const t0 = since ?? performance.now();
  let status = 0;
  let text = "";
  try {
    const res = await client.request({ method: req.method, path: req.path, headers, ...(payload === undefined ? {} : { body: payload }) });
    status = res.statusCode;
    const buf = Buffer.from(await res.body.arrayBuffer());
    sample.bytes += buf.length;
    if (status >= 300) text = buf.toString("utf8", 0, Math.min(buf.length, 300));
  } catch (err) {
    text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  sample.latencies.push(performance.now() - t0);
  sample.requests++;
  const key = status === 0 ? "network" : String(status);
  sample.statuses[key] = (sample.statuses[key] ?? 0) + 1;
  if (status >= 200 && status < 300) return;
  if (status >= 400 && status < 500 && action.expected?.includes(status)) {
    sample.expected4xx++;
    return;
  }
  sample.errors++;
  if (sample.errorSamples.length < 5) sample.errorSamples.push(`${key} ${req.method} ${req.path}: ${text}`);
}

export interface Stats {
  requests: number;
  errors: number;
  expected4xx: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  kbPerRequest: number;
}

const percentile = (sorted: Float64Array, p: number): number => {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Latency percentiles (nearest rank) and rates of one or more samples over a phase. */
export function statsOf(samples: Sample[], seconds: number): Stats {
  let n = 0;
  for (const s of samples) n += s.latencies.length;
  const all = new Float64Array(n);
  let i = 0;
  let sum = 0;
  for (const s of samples) {
    for (const l of s.latencies) {
      all[i++] = l;
      sum += l;
    }
  }
  all.sort();
  const requests = samples.reduce((a, s) => a + s.requests, 0);
  const bytes = samples.reduce((a, s) => a + s.bytes, 0);
  return {
    requests,
    errors: samples.reduce((a, s) => a + s.errors, 0),
    expected4xx: samples.reduce((a, s) => a + s.expected4xx, 0),
    rps: round(requests / Math.max(seconds, 1e-9), 1),
    p50: round(percentile(all, 50)),
    p95: round(percentile(all, 95)),
    p99: round(percentile(all, 99)),
    max: round(n ? all[n - 1]! : 0),
    mean: round(n ? sum / n : 0),
    kbPerRequest: round(requests ? bytes / requests / 1024 : 0, 1),
  };
}
