import WebSocket from "ws";
import type { BenchOptions } from "./options.js";
import { readProc } from "./procstat.js";
import type { BenchReport, TargetCheck } from "./report.js";
import type { RunningServer } from "./servers.js";

// The websocket scenario: N clients of one org watch /api/v1/events while task updates are
// driven over HTTP; each update's latency is measured from its HTTP response (the commit is
// done by then) to its arrival on every client. Then many idle sockets, for memory.

type Log = (line: string) => void;

export interface FanOutStats {
  clients: number;
  updates: number;
  /** Deliveries measured (updates x clients, less missed ones). */
  deliveries: number;
  missed: number;
  /** Deliveries that arrived before the HTTP response did (counted as 0 ms). */
  beforeResponse: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface WebSocketReport {
  fanOut: FanOutStats;
  idle: {
    sockets: number;
    /** Sockets that did not open (reason -> count). */
    failed: Record<string, number>;
    connectSeconds: number;
    serverRssMbBefore: number;
    serverRssMbIdle: number;
    /** Server RSS per idle socket, in KB, above the level before they connected. */
    kbPerSocket: number;
    /** One update fanned out to all idle sockets. */
    broadcast: FanOutStats;
  } | null;
}

interface Setup {
  token: string;
  taskIds: string[];
}

async function api<T>(origin: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const res = await fetch(origin + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** One owner, one org, one project with a few tasks, made through the API. */
async function setUp(origin: string, tasks: number): Promise<Setup> {
  const signup = await api<{ token: string }>(origin, "POST", "/api/v1/auth/signup", undefined, { email: `ws-bench-${Date.now()}@example.com`, name: "WS bench", password: "correct-horse-battery" });
  const org = await api<{ id: string }>(origin, "POST", "/api/v1/orgs", signup.token, { name: "WS bench", slug: `ws-bench-${Date.now()}` });
  const project = await api<{ id: string }>(origin, "POST", `/api/v1/orgs/${org.id}/projects`, signup.token, { name: "Watched", key: "WSB" });
  const taskIds: string[] = [];
  for (let i = 0; i < tasks; i++) taskIds.push((await api<{ id: string }>(origin, "POST", `/api/v1/projects/${project.id}/tasks`, signup.token, { title: `task ${i}` })).id);
  return { token: signup.token, taskIds };
}

/** Receipt times by title of the task updates a client sees. */
class Watcher {
  readonly seen = new Map<string, number>();
  constructor(readonly ws: WebSocket) {
    ws.on("message", (raw: Buffer) => {
      const now = performance.now();
      // Cheap filter first: most of the cost of 1,000 clients in one process is parsing.
      const text = raw.toString("utf8");
      if (!text.includes('"task.updated"')) return;
      const m = JSON.parse(text) as { type: string; data: { changes?: { title?: { to?: string } } } };
      const title = m.data.changes?.title?.to;
      if (title !== undefined) this.seen.set(title, now);
    });
  }
}

/** Opens `count` sockets, 200 at a time; the ones that fail are counted by reason, not retried. */
async function connect(origin: string, token: string, count: number, log: Log): Promise<{ watchers: Watcher[]; seconds: number; failures: Map<string, number> }> {
  const failures = new Map<string, number>();
  const url = `${origin.replace(/^http/, "ws")}/api/v1/events?token=${encodeURIComponent(token)}`;
  const watchers: Watcher[] = [];
  const started = performance.now();
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const opened = Array.from({ length: Math.min(batch, count - i) }, () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const w = new Watcher(ws);
      return new Promise<Watcher>((resolve, reject) => {
        // Ready once the server says so: live events flow from then on.
        const onReady = (raw: Buffer) => {
          if (!raw.toString("utf8").includes('"stream.ready"')) return;
          ws.off("message", onReady);
          resolve(w);
        };
        ws.on("message", onReady);
        ws.once("error", reject);
        ws.once("close", (code: number) => reject(new Error(`closed with ${code} before stream.ready`)));
        ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
        setTimeout(() => reject(new Error("no stream.ready within 30 s")), 30_000).unref();
      });
    });
    for (const r of await Promise.allSettled(opened)) {
      if (r.status === "fulfilled") watchers.push(r.value);
      else {
        const why = r.reason instanceof Error ? r.reason.message : String(r.reason);
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
    }
    if ((i / batch) % 10 === 9) log(`  ${watchers.length} sockets open`);
  }
  if (failures.size > 0) log(`  failed to connect: ${[...failures].map(([why, n]) => `${n} x ${why}`).join("; ")}`);
  return { watchers, seconds: (performance.now() - started) / 1000, failures };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Updates one task at a time; the next goes once every client has the previous one (or 5 s passed). */
async function fanOut(origin: string, setup: Setup, watchers: Watcher[], seconds: number, maxUpdates: number): Promise<FanOutStats> {
  const latencies: number[] = [];
  let missed = 0;
  let beforeResponse = 0;
  let updates = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && updates < maxUpdates) {
    const title = `update ${updates} ${Date.now()}`;
    const taskId = setup.taskIds[updates % setup.taskIds.length]!;
    await api(origin, "PATCH", `/api/v1/tasks/${taskId}`, setup.token, { title });
    const answered = performance.now();
    updates++;
    const deadline = answered + 5_000;
    while (watchers.some((w) => !w.seen.has(title)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    for (const w of watchers) {
      const at = w.seen.get(title);
      w.seen.delete(title);
      if (at === undefined) {
        missed++;
        continue;
      }
      if (at < answered) beforeResponse++;
      latencies.push(Math.max(0, at - answered));
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const round = (x: number) => Number(x.toFixed(1));
  return {
    clients: watchers.length,
    updates,
    deliveries: latencies.length,
    missed,
    beforeResponse,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : 0),
  };
}

async function closeAll(watchers: Watcher[]): Promise<void> {
  await Promise.all(
    watchers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.ws.readyState === WebSocket.CLOSED) return resolve();
          w.ws.once("close", () => resolve());
          w.ws.terminate();
        }),
    ),
  );
}

const rssOf = (pid: number): number => Number((readProc(pid)?.rssMb ?? 0).toFixed(1));

/** RSS after the server has settled (a GC pass may follow a burst of connections). */
async function settledRss(pid: number): Promise<number> {
  let last = rssOf(pid);
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = rssOf(pid);
    if (Math.abs(now - last) < 1) return now;
    last = now;
  }
  return last;
}

export async function runWebSocket(o: BenchOptions, node: RunningServer, report: BenchReport, log: Log): Promise<void> {
  const setup = await setUp(node.origin, 20);
  log(`connecting ${o.clients} clients`);
  const { watchers, seconds: connectSeconds } = await connect(node.origin, setup.token, o.clients, log);
  log(`  connected in ${connectSeconds.toFixed(1)} s; warming up`);
  await fanOut(node.origin, setup, watchers, 3, 20);
  log(`driving task updates for ${o.duration} s`);
  const fan = await fanOut(node.origin, setup, watchers, o.duration, 100_000);
  await closeAll(watchers);

  let idle: WebSocketReport["idle"] = null;
  if (o.idle > 0) {
    const before = await settledRss(node.pid);
    log(`opening ${o.idle} idle sockets (server RSS ${before} MB)`);
    const opened = await connect(node.origin, setup.token, o.idle, log);
    const during = await settledRss(node.pid);
    log(`  ${opened.watchers.length} idle sockets open in ${opened.seconds.toFixed(1)} s; server RSS ${during} MB`);
    const broadcast = await fanOut(node.origin, setup, opened.watchers, 60, 3);
    idle = {
      sockets: opened.watchers.length,
      failed: Object.fromEntries(opened.failures),
      connectSeconds: Number(opened.seconds.toFixed(1)),
      serverRssMbBefore: before,
      serverRssMbIdle: during,
      kbPerSocket: Number((((during - before) * 1024) / Math.max(1, opened.watchers.length)).toFixed(1)),
      broadcast,
    };
    await closeAll(opened.watchers);
  }
  report.websocket = { fanOut: fan, idle };
  report.targets = websocketTargets(o, report.websocket);
}

function websocketTargets(o: BenchOptions, r: WebSocketReport): TargetCheck[] {
  const differs = o.mode === "postgres" && o.redisUrl ? undefined : "run differs: the target is PostgreSQL + Redis";
  const f = r.fanOut;
  const fanNote = differs ?? (f.clients < 1000 ? `run differs: ${f.clients} clients, target is 1,000` : undefined);
  const fanOutTarget: TargetCheck = {
    target: "A task update reaches 1,000 WebSocket clients with p99 < 100 ms after commit",
    measured: `${f.clients} clients, ${f.updates} updates: p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, max ${f.max} ms, ${f.missed} missed`,
    met: f.p99 < 100 && f.missed === 0,
    ...(fanNote ? { note: fanNote } : {}),
  };
  const idleTarget = "10,000 idle WebSocket connections held under 500 MB RSS";
  if (!r.idle) return [fanOutTarget, { target: idleTarget, measured: "not measured (--idle 0)", met: null }];
  const idleNote = differs ?? (r.idle.sockets < 10_000 ? `run differs: ${r.idle.sockets} sockets, target is 10,000` : undefined);
  return [
    fanOutTarget,
    {
      target: idleTarget,
      measured: `${r.idle.sockets} sockets: server RSS ${r.idle.serverRssMbIdle} MB (${r.idle.serverRssMbBefore} MB before, ${r.idle.kbPerSocket} KB per socket)`,
      met: r.idle.serverRssMbIdle < 500,
      ...(idleNote ? { note: idleNote } : {}),
    },
  ];
}

export function formatWebSocket(r: WebSocketReport): string {
  const f = (s: FanOutStats) =>
    `${s.clients} clients x ${s.updates} updates = ${s.deliveries} deliveries (${s.missed} missed, ${s.beforeResponse} before the HTTP response): p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms`;
  const lines = ["== websocket: latency from the HTTP response of a task update to its arrival on each client", `fan-out: ${f(r.fanOut)}`];
  if (r.idle) {
    lines.push(
      `idle: ${r.idle.sockets} sockets opened in ${r.idle.connectSeconds} s; server RSS ${r.idle.serverRssMbBefore} MB before, ${r.idle.serverRssMbIdle} MB with them open (${r.idle.kbPerSocket} KB per socket)`,
      `idle broadcast: ${f(r.idle.broadcast)}`,
    );
  }
  return lines.join("\n");
}
