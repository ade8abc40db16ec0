import { parseArgs } from "node:util";
import { isPlanningSize, isTierName, PLANNING_SIZES, TIER_NAMES, type PlanningSize, type TierName } from "./dataset/tiers.js";

export const SCENARIOS = ["mix", "ceiling", "list-board", "approvals", "websocket", "outbox", "planning"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenario: Scenario;
  tiers: TierName[];
  mode: "embedded" | "postgres";
  nodes: number;
  connections: number;
  /** Seconds of the measured mix phase. */
  duration: number;
  warmup: number;
  /** Seconds of the focused view-task and ceiling phases. */
  focusDuration: number;
  ceiling: boolean;
  seed: string;
  pgUrl: string;
  redisUrl: string | undefined;
  poolSize: number | undefined;
  logLevel: string;
  keep: boolean;
  resultsDir: string | undefined;
  quiet: boolean;
  /** Restrict the mix to these actions (profiling one path); shares are renormalized. */
  only: string[] | undefined;
  /** websocket scenario: clients watching while updates are driven, then idle sockets held. */
  clients: number;
  idle: number;
  /** Approvals scenario: decisions per second of the open-loop phase (0: skip it). */
  rate: number;
  /** Outbox scenario: unpublished events in the backlog. */
  events: number;
  /** Directory for V8 CPU profiles of the server nodes (node --cpu-prof), written when they stop. */
  cpuProf: string | undefined;
  /** Planning scenario: dataset size (issue 6's, or tiny for the smoke test). */
  planningSize: PlanningSize["name"];
  /** Planning scenario: measured sequential requests per endpoint. */
  requests: number;
}

export const USAGE = `Usage: npm run bench -- [options]

  --scenario S      mix (default) | ceiling | list-board | planning | approvals | websocket | outbox
  --tier T          ${TIER_NAMES.join(" | ")} (default small); list-board takes two, e.g. medium,large
  --mode M          embedded (default) | postgres
  --connections N   concurrent connections (default 16 embedded, 64 postgres)
  --duration S      seconds of the measured mix (default 60)
  --warmup S        seconds of warm-up before measuring (default: duration / 6, 2..10)
  --focus S         seconds of the cached view-task and ceiling phases (default: duration / 3, 3..20)
  --nodes N         server processes (postgres mode only; default 1)
  --no-ceiling      skip the bare Fastify ceiling
  --seed S          dataset seed (default plinth)
  --pg-url URL      PostgreSQL to create the bench database on (default postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url URL   Redis for postgres mode (default redis://127.0.0.1:6379); --no-redis to run without
  --clients N       websocket: clients watching the fan-out (default 1000)
  --idle N          websocket: idle sockets held afterwards for memory (default 10000; 0 = skip)
  --pool-size N     DATABASE_POOL_SIZE of each node (default: the server's)
  --log-level L     server LOG_LEVEL (default warn: request logging would measure the logger)
  --rate N          approvals: decisions/s of the paced (open-loop) phase (default 500 on postgres, 0 = skip, embedded)
  --events N        outbox scenario: backlog of unpublished events (default 50000)
  --only A,B        run only these actions of the mix (e.g. board,list_search), to profile one path
  --cpu-prof DIR    write a V8 CPU profile of each server node into DIR (open in Chrome DevTools)
  --size S          planning: full (default: 2,000 users, 5,000 tasks, 10,000 dependencies, 12 weeks) | tiny
  --requests N      planning: sequential requests measured per endpoint (default 20)
  --keep            keep the PostgreSQL bench database afterwards
  --results DIR     where the JSON goes (default bench/results)
`;

export class UsageError extends Error {}

const int = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be an integer between ${min} and ${max}`);
  return Number(v);
};

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "mix" },
      tier: { type: "string", default: "small" },
      mode: { type: "string", default: "embedded" },
      connections: { type: "string" },
      duration: { type: "string", default: "60" },
      warmup: { type: "string" },
      focus: { type: "string" },
      nodes: { type: "string", default: "1" },
      "no-ceiling": { type: "boolean", default: false },
      seed: { type: "string", default: "plinth" },
      "pg-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
      "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
      "no-redis": { type: "boolean", default: false },
      "pool-size": { type: "string" },
      "log-level": { type: "string", default: "warn" },
      keep: { type: "boolean", default: false },
      results: { type: "string" },
      quiet: { type: "boolean", default: false },
      only: { type: "string" },
      "cpu-prof": { type: "string" },
      size: { type: "string", default: "full" },
      requests: { type: "string", default: "20" },
      clients: { type: "string", default: "1000" },
      idle: { type: "string", default: "10000" },
      events: { type: "string", default: "50000" },
      rate: { type: "string" },
    },
    strict: true,
  });
  const scenario = values.scenario as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(", ")}`);
  const mode = values.mode;
  if (mode !== "embedded" && mode !== "postgres") throw new UsageError("--mode must be embedded or postgres");
  const tiers = values.tier.split(",").map((t) => t.trim());
  for (const t of tiers) if (!isTierName(t)) throw new UsageError(`--tier must be one of ${TIER_NAMES.join(", ")}`);
  if (tiers.length > 1 && scenario !== "list-board") throw new UsageError("several tiers are only for --scenario list-board");
  const nodes = int("nodes", values.nodes, 1, 16)!;
  if (scenario === "websocket" && nodes > 1) throw new UsageError("--scenario websocket measures one node");
  if (mode === "embedded" && nodes > 1) throw new UsageError("--nodes > 1 needs --mode postgres (PGlite lives inside one process)");
  if (!isPlanningSize(values.size)) throw new UsageError(`--size must be one of ${Object.keys(PLANNING_SIZES).join(", ")}`);
  const duration = int("duration", values.duration, 1, 3600)!;
  return {
    scenario,
    tiers: tiers as TierName[],
    mode,
    nodes,
    connections: int("connections", values.connections, 1, 4096) ?? (mode === "postgres" ? 64 : 16),
    duration,
    warmup: int("warmup", values.warmup, 0, 600) ?? Math.min(10, Math.max(2, Math.round(duration / 6))),
    focusDuration: int("focus", values.focus, 1, 600) ?? Math.min(20, Math.max(3, Math.round(duration / 3))),
    ceiling: !values["no-ceiling"],
    seed: values.seed,
    pgUrl: values["pg-url"],
    redisUrl: values["no-redis"] ? undefined : values["redis-url"],
    poolSize: int("pool-size", values["pool-size"], 1, 500),
    logLevel: values["log-level"],
    keep: values.keep,
    resultsDir: values.results,
    quiet: values.quiet,
    only: values.only?.split(",").map((a) => a.trim()).filter(Boolean),
    cpuProf: values["cpu-prof"],
    planningSize: values.size,
    requests: int("requests", values.requests, 1, 10_000)!,
    clients: int("clients", values.clients, 1, 50_000)!,
    idle: int("idle", values.idle, 0, 100_000)!,
    events: int("events", values.events, 1, 10_000_000)!,
    // Embedded mode serves far fewer than 500 decisions/s: its paced phase is asked for, not run by default.
    rate: int("rate", values.rate, 0, 100_000) ?? (mode === "postgres" ? 500 : 0),
  };
}
