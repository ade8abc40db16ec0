import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, settings } from "../src/config.js";
import { createTestApp, type TestApp } from "./app.js";
import {
  DEPLOY,
  REPO,
  composeDurationMs,
  deployFiles,
  dockerEnv,
  imageName,
  literalPairs,
  nginxSize,
  podContainers,
  readDockerfile,
  readNginx,
  readText,
  readYaml,
  readYamlDocs,
  type NginxDirective,
} from "./deploy-files.js";
import { K8S, envNamesIn, k8sProblems, readBase, readRendered, type K8sFacts } from "./deploy-k8s.js";

// deploy/ describes how Plinth runs in production; nothing there is executed by the
// other tests. This suite reads every file under deploy/ and holds it against the code:
// each environment variable is a real setting (or a documented variable of a
// third-party image), each probe and health-check path is a route the app registers,
// each metric in alerts and dashboards is registered on the app's metrics registry,
// and the files agree with each other (ports, service names, mounts, kustomize paths).

// ---- what is allowed beyond the app itself --------------------------------------

/**
 * Metrics agreed in the brief that other work is implementing right now. A name here may
 * be used in alerts and dashboards before it is registered; once it is registered, the
 * stale-entry test below fails until the entry is removed.
 */
const PENDING_METRICS: Record<string, string> = {};

/** Routes the load balancers already know about, implemented elsewhere; same rule as PENDING_METRICS. */
const PENDING_ROUTES: Record<string, string> = {};

/**
 * Environment variables a third-party image documents, by image name. Entries ending in
 * "_" are prefixes. Variables read by our own scripts mounted into that container
 * (deploy/postgres/*.sh) are allowed too, and checked to be read there.
 */
const THIRD_PARTY_ENV: Record<string, readonly string[]> = {
  postgres: ["POSTGRES_", "PGDATA"],
  "grafana/grafana-oss": ["GF_"],
  "prom/prometheus": [],
  redis: [],
  nginx: [],
};

/** Metrics of other exporters allowed in alerts, only where a comment marks them EXTERNAL. */
const EXTERNAL_METRIC_PREFIXES = ["node_"];

/** What the alerts and the dashboard must at least watch (issue 7 item 3, brief). */
const ALERTS_MUST_USE = [
  "plinth_http_requests_total",
  "plinth_http_request_duration_seconds",
  "plinth_outbox_lag_seconds",
  "plinth_jobs_failed_total",
  "plinth_db_replica_lag_seconds",
  "node_filesystem_avail_bytes",
];
const DASHBOARD_MUST_USE = [
  "plinth_http_requests_total",
  "plinth_http_request_duration_seconds",
  "plinth_event_loop_lag_p99_seconds",
  "plinth_db_pool_connections",
  "plinth_db_pool_waiting",
  "plinth_outbox_lag_seconds",
  "plinth_outbox_pending_events",
  "plinth_jobs_failed_total",
  "plinth_ws_connections",
  "plinth_approvals_started_total",
  "plinth_approvals_finished_total",
  "plinth_approval_turnaround_seconds",
  "plinth_cache_requests_total",
  "plinth_db_replica_lag_seconds",
];

// ---- facts from the code ------------------------------------------------------------

const SETTING_NAMES = new Set<string>(settings.map((s) => s.env));
const settingDefault = (env: string): string => {
  const s = settings.find((x) => x.env === env) as { default?: string } | undefined;
  if (s?.default === undefined) throw new Error(`${env} has no default`);
  return s.default;
};
const DEFAULT_PORT = Number(settingDefault("PORT"));
const DEFAULT_BODY_LIMIT = Number(settingDefault("PLINTH_BODY_LIMIT_BYTES"));
const DEFAULT_REQUEST_TIMEOUT_MS = Number(settingDefault("PLINTH_REQUEST_TIMEOUT_MS"));
const DEFAULT_GRACE_MS = Number(settingDefault("PLINTH_SHUTDOWN_GRACE_MS"));
/** src/main.ts exits by force this long after the grace period. */
const FORCE_EXIT_EXTRA_MS = Number(/shutdownGraceMs \+ (\d+)/.exec(readText(join(REPO, "src/main.ts")))?.[1] ?? NaN);
/** The CLI's commands (src/main.ts switch). */
const CLI_COMMANDS = new Set([...readText(join(REPO, "src/main.ts")).matchAll(/case "([a-z-]+)":/g)].map((m) => m[1]!));

let t: TestApp;
let getRoutes: Set<string>;
let registeredMetrics: Set<string>;

beforeAll(async () => {
  t = await createTestApp();
  getRoutes = new Set(t.routes.filter((r) => r.method === "GET").map((r) => r.url));
  registeredMetrics = new Set((await t.metrics.registry.getMetricsAsJSON()).map((m) => m.name));
});
afterAll(async () => {
  await t.close();
});

const isRoute = (path: string): boolean => getRoutes.has(path) || path in PENDING_ROUTES;
const isRoutePrefix = (prefix: string): boolean =>
  isRoute(prefix) || [...getRoutes, ...Object.keys(PENDING_ROUTES)].some((u) => u.startsWith(prefix.endsWith("/") ? prefix : prefix + "/"));

const isPrefixed = (name: string, allowed: readonly string[]): boolean =>
  allowed.some((a) => (a.endsWith("_") ? name.startsWith(a) : name === a));

/** plinth_* metric names in a PromQL expression, histogram series suffixes stripped. */
const plinthMetrics = (expr: string): string[] =>
  [...expr.matchAll(/plinth_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""));

/** Shell variables a script reads ($NAME or ${NAME...}). */
const scriptVars = (text: string): Set<string> => new Set([...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));

const which = (cmd: string): string | undefined => {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
};

// ---- the files ----------------------------------------------------------------------

const files = deployFiles();
const FILE_KINDS: [RegExp, string][] = [
  [/^Dockerfile$/, "Dockerfile"],
  [/^compose\.yaml$/, "Compose"],
  [/^\.env\.example$/, "Compose variables"],
  [/^nginx\/[^/]+\.conf$/, "nginx"],
  [/^postgres\/[^/]+\.sh$/, "PostgreSQL container script"],
  [/^prometheus\/prometheus\.yml$/, "Prometheus configuration"],
  [/^prometheus\/alerts\.yml$/, "Prometheus rules"],
  [/^grafana\/dashboards\/[^/]+\.json$/, "Grafana dashboard"],
  [/^grafana\/provisioning\/(datasources|dashboards)\/[^/]+\.yml$/, "Grafana provisioning"],
  [/^k8s\/.+\.yaml$/, "Kubernetes"],
];

const dockerfile = readDockerfile(readText(join(DEPLOY, "Dockerfile")));
const compose = readYaml(join(DEPLOY, "compose.yaml"));
const composeVars = Object.fromEntries(
  readText(join(DEPLOY, ".env.example"))
    .split("\n")
    .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;
const services = Object.entries(compose.services as Record<string, any>);
const isPlinthImage = (image: unknown): boolean => typeof image === "string" && imageName(image) === "plinth";
const plinthServices = services.filter(([, s]) => isPlinthImage(s.image));
const finalStage = Math.max(...dockerfile.map((i) => i.stage));
const imageEnv: Record<string, string> = Object.assign({}, ...dockerfile.filter((i) => i.op === "ENV" && i.stage === finalStage).map((i) => dockerEnv(i.args)));

/** Compose interpolation with deploy/.env.example's values: ${X}, ${X:-default}, ${X:?error}. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?]([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => composeVars[name] ?? fallback ?? "");
}

function serviceEnv(s: any): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => [e.split("=")[0]!, interpolate(e.slice(e.indexOf("=") + 1))]));
  }
  return Object.fromEntries(Object.entries(env as Record<string, string | number | boolean | null>).map(([k, v]) => [k, interpolate(String(v ?? ""))]));
}

const nginxText = readText(join(DEPLOY, "nginx/plinth.conf"));
const nginx = readNginx(nginxText);
const inCtx = (d: NginxDirective, pattern: RegExp): boolean => d.context.some((c) => pattern.test(c));
/** The server {} block that listens with TLS. */
const tlsServer = nginx.find((d) => d.name === "listen" && d.context.length === 1 && d.context[0] === "server" && d.args.includes("ssl"))?.blocks[0];
/** Directives set at the level of the TLS server block (inherited by its locations). */
const serverDirectives = (name: string): NginxDirective[] => nginx.filter((d) => d.name === name && d.context.length === 1 && d.blocks[0] === tlsServer);

describe("deploy/ as a whole", () => {
  it("holds only files this suite knows how to check", () => {
    const unknown = files.filter((f) => !FILE_KINDS.some(([re]) => re.test(f)));
    expect(unknown).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
  });
});

describe("Dockerfile", () => {
  const at = (op: string, stage?: number) => dockerfile.filter((i) => i.op === op && (stage === undefined || i.stage === stage));

  it("is multi-stage: npm ci and the build in one stage, production dependencies only in the last", () => {
    expect(finalStage).toBeGreaterThanOrEqual(1);
    const builds = dockerfile.filter((i) => i.op === "RUN" && /\bnpm run build\b/.test(i.args));
    expect(builds).toHaveLength(1);
    const buildStage = builds[0]!.stage;
    expect(buildStage).toBeLessThan(finalStage);
    expect(at("RUN", buildStage).some((i) => /\bnpm ci\b/.test(i.args) && !/--omit=dev/.test(i.args))).toBe(true);
    const finalRuns = at("RUN", finalStage).map((i) => i.args).join("\n");
    expect(finalRuns).toMatch(/\bnpm ci\b[^\n]*--omit=dev/);
    expect(finalRuns).not.toMatch(/npm run build/);
    // package.json's build script is what the build stage runs; the image runs its output.
    const pkg = JSON.parse(readText(join(REPO, "package.json")));
    expect(pkg.scripts.build).toMatch(/tsc/);
    expect(pkg.scripts.start).toContain("dist/src/main.js");
  });

  it("uses a Node image matching package.json engines", () => {
    const engines = JSON.parse(readText(join(REPO, "package.json"))).engines.node as string;
    const major = Number(/(\d+)/.exec(engines)![1]);
    for (const from of at("FROM")) {
      const m = /^node:(\d+)/.exec(from.args);
      expect(m, from.args).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(major);
    }
  });

  it("copies what exists, which .dockerignore does not exclude, including migrations/ where migrate.ts looks", () => {
    const ignored = readText(join(REPO, ".dockerignore"))
      .split("\n")
      .map((l) => l.trim().replace(/\/$/, ""))
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const copy of at("COPY").filter((i) => !i.args.includes("--from="))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(REPO, src)), src).toBe(true);
        expect(ignored.includes(src) || ignored.includes(src.split("/")[0]!), `${src} is excluded by .dockerignore`).toBe(false);
      }
    }
    const copiesMigrations = at("COPY", finalStage).some((i) => /^migrations\s/.test(i.args));
    expect(copiesMigrations).toBe(true);
    expect(at("COPY", finalStage).some((i) => /--from=\S+\s+\S*dist\s/.test(i.args))).toBe(true);
    // The migrator searches upwards from dist/src/platform/db for migrations/.
    expect(readText(join(REPO, "src/platform/db/migrate.ts"))).toMatch(/join\(dir, "migrations"\)/);
  });

  it("sets only real settings, runs as a non-root user, exposes PORT and declares PLINTH_DATA_DIR a volume", () => {
    const names = dockerfile.filter((i) => i.op === "ENV").flatMap((i) => Object.keys(dockerEnv(i.args)));
    expect(names.filter((n) => !SETTING_NAMES.has(n))).toEqual([]);
    expect(() => loadConfig(imageEnv)).not.toThrow();
    const user = at("USER", finalStage).at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    const port = imageEnv.PORT ?? String(DEFAULT_PORT);
    expect(at("EXPOSE", finalStage).map((i) => i.args)).toContain(port);
    expect(imageEnv.HOST).toBe("0.0.0.0");
    const volumes = at("VOLUME", finalStage).map((i) => i.args).join(" ");
    expect(imageEnv.PLINTH_DATA_DIR).toBeDefined();
    expect(volumes).toContain(imageEnv.PLINTH_DATA_DIR);
  });

  it("health-checks a liveness route with node, and starts `serve` from the built CLI", () => {
    const hc = at("HEALTHCHECK", finalStage);
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/CMD \["node"/);
    const paths = [...hc[0]!.args.matchAll(/['"](\/[a-z][A-Za-z0-9_./-]*)['"]/g)].map((m) => m[1]!);
    expect(paths).toEqual(["/healthz"]);
    for (const p of paths) expect(isRoute(p), p).toBe(true);
    const cmd = JSON.parse(at("CMD", finalStage).at(-1)!.args) as string[];
    expect(cmd).toEqual(["node", "dist/src/main.js", "serve"]);
    expect(CLI_COMMANDS.has("serve")).toBe(true);
  });
});

describe("compose.yaml", () => {
  it("has nginx, two Plinth nodes, a one-shot migration, PostgreSQL primary and replica, Redis, Prometheus and Grafana", () => {
    const byImage = (name: string) => services.filter(([, s]) => imageName(String(s.image ?? "")) === name).map(([n]) => n);
    const nodes = plinthServices.filter(([, s]) => s.command === undefined).map(([n]) => n);
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    const migrate = plinthServices.filter(([, s]) => Array.isArray(s.command) && s.command.join(" ") === "node dist/src/main.js migrate");
    expect(migrate).toHaveLength(1);
    expect(CLI_COMMANDS.has("migrate")).toBe(true);
    for (const [name, s] of plinthServices.filter(([n]) => nodes.includes(n))) {
      expect(s.depends_on?.[migrate[0]![0]]?.condition, name).toBe("service_completed_successfully");
    }
    expect(byImage("nginx")).toHaveLength(1);
    expect(byImage("postgres")).toHaveLength(2);
    expect(byImage("redis")).toHaveLength(1);
    expect(byImage("prom/prometheus")).toHaveLength(1);
    expect(byImage("grafana/grafana-oss")).toHaveLength(1);
  });

  it("gives Plinth containers only real settings, with values loadConfig accepts", () => {
    for (const [name, s] of plinthServices) {
      const env = serviceEnv(s);
      expect(Object.keys(env).filter((k) => !SETTING_NAMES.has(k)), name).toEqual([]);
      const config = loadConfig({ ...imageEnv, ...env });
      expect(config.databaseUrl, name).toBeDefined();
      expect(config.databaseReadUrls.length, name).toBeGreaterThan(0);
      expect(config.redisUrl, name).toBeDefined();
      expect(config.trustProxy, name).toBe(true);
      expect(config.host, name).toBe("0.0.0.0");
      expect(config.port, name).toBe(DEFAULT_PORT);
      expect(config.publicUrl, name).toMatch(/^https:/);
    }
  });

  it("gives third-party containers only variables their image documents or our mounted scripts read", () => {
    for (const [name, s] of services.filter(([, x]) => !isPlinthImage(x.image))) {
      const image = imageName(String(s.image));
      expect(Object.keys(THIRD_PARTY_ENV), `${name}: image ${image} has no entry in THIRD_PARTY_ENV`).toContain(image);
      const scripts = ((s.volumes ?? []) as string[])
        .map((v) => v.split(":")[0]!)
        .filter((src) => src.startsWith("./") && src.endsWith(".sh"))
        .map((src) => scriptVars(readText(join(DEPLOY, src))));
      const readByScript = (n: string) => scripts.some((vars) => vars.has(n));
      const bad = Object.keys(serviceEnv(s)).filter((n) => !isPrefixed(n, THIRD_PARTY_ENV[image]!) && !readByScript(n));
      expect(bad, name).toEqual([]);
    }
  });

  it("interpolates only variables deploy/.env.example defines, and .env.example has no unused ones", () => {
    const text = readText(join(DEPLOY, "compose.yaml"));
    const used = new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    expect([...used].filter((v) => !(v in composeVars))).toEqual([]);
    expect(Object.keys(composeVars).filter((v) => !used.has(v))).toEqual([]);
  });

  it("refers to services, files and folders that exist", () => {
    const names = new Set(services.map(([n]) => n));
    const volumes = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of services) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(names.has(d), `${name} depends on ${d}`).toBe(true);
      for (const v of (s.volumes ?? []) as string[]) {
        const src = v.split(":")[0]!;
        if (src.startsWith(".")) {
          // nginx/tls holds the operator's certificate and is not committed.
          if (src === "./nginx/tls") continue;
          expect(existsSync(join(DEPLOY, src)), `${name} mounts ${src}`).toBe(true);
        } else {
          expect(volumes.has(src), `${name} uses volume ${src}`).toBe(true);
        }
      }
      if (s.build) {
        expect(existsSync(join(DEPLOY, s.build.context, s.build.dockerfile)), `${name} build`).toBe(true);
      }
    }
  });

  it("lets each Plinth node drain before Docker kills it", () => {
    expect(FORCE_EXIT_EXTRA_MS).toBeGreaterThan(0);
    for (const [name, s] of plinthServices.filter(([, x]) => x.command === undefined)) {
      const grace = Number(serviceEnv(s).PLINTH_SHUTDOWN_GRACE_MS ?? DEFAULT_GRACE_MS);
      expect(composeDurationMs(String(s.stop_grace_period)), name).toBeGreaterThan(grace + FORCE_EXIT_EXTRA_MS);
    }
  });

  it("mounts PostgreSQL scripts that are valid bash", () => {
    const mounted = services.flatMap(([, s]) => ((s.volumes ?? []) as string[]).map((v) => posix.normalize(v.split(":")[0]!)));
    for (const f of files.filter((x) => x.startsWith("postgres/"))) {
      expect(mounted, f).toContain(f);
      expect(statSync(join(DEPLOY, f)).mode & 0o111, `${f} is executable`).not.toBe(0);
      execFileSync("bash", ["-n", join(DEPLOY, f)]);
    }
  });
});

describe("nginx/plinth.conf", () => {
  const upstreamNames = [...nginxText.matchAll(/^\s*upstream\s+([A-Za-z0-9_-]+)\s*\{/gm)].map((m) => m[1]!);

  it("balances least_conn over the Compose Plinth nodes on the default PORT, with passive health limits", () => {
    expect(upstreamNames.length).toBeGreaterThan(0);
    const nodeNames = plinthServices.filter(([, s]) => s.command === undefined).map(([n]) => n);
    for (const name of upstreamNames) {
      const inside = nginx.filter((d) => d.context[0] === `upstream ${name}`);
      expect(inside.some((d) => d.name === "least_conn")).toBe(true);
      const servers = inside.filter((d) => d.name === "server");
      expect(servers.map((d) => d.args[0]!.split(":")[0]).sort()).toEqual([...nodeNames].sort());
      for (const s of servers) {
        expect(Number(s.args[0]!.split(":")[1]), s.args[0]).toBe(DEFAULT_PORT);
        expect(s.args.some((a) => a.startsWith("max_fails="))).toBe(true);
        expect(s.args.some((a) => a.startsWith("fail_timeout="))).toBe(true);
      }
    }
    for (const d of nginx.filter((x) => x.name === "proxy_pass")) {
      expect(upstreamNames, d.args[0]).toContain(d.args[0]!.replace(/^https?:\/\//, "").replace(/\/.*$/, ""));
    }
  });

  it("terminates TLS with HTTP/2, redirects HTTP, compresses, and sets forwarding headers", () => {
    const listens = nginx.filter((d) => d.name === "listen");
    expect(listens.some((d) => d.args.includes("ssl") && d.args.includes("http2"))).toBe(true);
    expect(nginx.some((d) => d.name === "ssl_certificate")).toBe(true);
    expect(nginx.some((d) => d.name === "ssl_certificate_key")).toBe(true);
    expect(nginx.some((d) => d.name === "return" && d.args[0] === "301" && d.args[1]!.startsWith("https://"))).toBe(true);
    expect(serverDirectives("gzip").map((d) => d.args[0])).toContain("on");
    const headers = new Map(serverDirectives("proxy_set_header").map((d) => [d.args[0]!.toLowerCase(), d.args[1]!]));
    expect(headers.get("x-forwarded-for")).toBe("$proxy_add_x_forwarded_for");
    expect(headers.get("x-forwarded-proto")).toBe("$scheme");
    expect(headers.get("x-request-id")).toMatch(/^\$/);
  });

  it("limits bodies to PLINTH_BODY_LIMIT_BYTES, waits longer than PLINTH_REQUEST_TIMEOUT_MS, rate-limits per IP", () => {
    const body = serverDirectives("client_max_body_size");
    expect(body).toHaveLength(1);
    expect(nginxSize(body[0]!.args[0]!)).toBe(DEFAULT_BODY_LIMIT);
    const read = serverDirectives("proxy_read_timeout");
    expect(read).toHaveLength(1);
    expect(composeDurationMs(read[0]!.args[0]!)).toBeGreaterThan(DEFAULT_REQUEST_TIMEOUT_MS);
    const zones = nginx.filter((d) => d.name === "limit_req_zone");
    expect(zones.some((d) => d.args[0] === "$binary_remote_addr")).toBe(true);
    const zoneNames = zones.map((d) => /zone=([^:]+):/.exec(d.args.join(" "))![1]);
    const used = nginx.filter((d) => d.name === "limit_req").map((d) => /zone=([^\s]+)/.exec(d.args.join(" "))![1]);
    expect(used.length).toBeGreaterThan(0);
    for (const z of used) expect(zoneNames).toContain(z);
    const caches = nginx.filter((d) => d.name === "proxy_cache_path").map((d) => /keys_zone=([^:]+):/.exec(d.args.join(" "))![1]);
    for (const d of nginx.filter((x) => x.name === "proxy_cache")) expect(caches).toContain(d.args[0]);
  });

  it("retries only idempotent requests (or POSTs with an Idempotency-Key) and upgrades WebSockets on the events route", () => {
    // A POST is retried on another node only in the internal location reached with an Idempotency-Key.
    for (const d of nginx.filter((x) => x.name === "proxy_next_upstream" && !inCtx(x, /^location \/__idempotent\/$/))) expect(d.args).not.toContain("non_idempotent");
    const keyed = nginx.filter((d) => inCtx(d, /^location \/__idempotent\/$/));
    expect(keyed.some((d) => d.name === "internal")).toBe(true);
    expect(nginxText).toMatch(/if \(\$http_idempotency_key\) \{ rewrite \^ \/__idempotent\$uri last; \}/);
    expect(nginxText).toMatch(/map\s+\$http_upgrade\s+\$\w+/);
    const events = nginx.filter((d) => inCtx(d, /^location = \/api\/v1\/events$/));
    expect(events.find((d) => d.name === "proxy_set_header" && d.args[0] === "Upgrade")?.args[1]).toBe("$http_upgrade");
    expect(events.some((d) => d.name === "proxy_set_header" && d.args[0] === "Connection")).toBe(true);
  });

  it("names only routes the app has in exact-match locations, and keeps /metrics inside", () => {
    const exact = [...new Set(nginx.flatMap((d) => d.context).filter((c) => c.startsWith("location = ")).map((c) => c.slice("location = ".length)))];
    for (const path of exact.filter((p) => p !== "/nginx-health")) expect(isRoute(path), path).toBe(true);
    const metrics = nginx.filter((d) => inCtx(d, /^location = \/metrics$/));
    expect(metrics.some((d) => d.name === "proxy_pass")).toBe(false);
  });

  it.skipIf(!which("nginx") || !which("openssl"))("passes nginx -t (test certificate, local host names)", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-nginx-"));
    try {
      chmodSync(dir, 0o755);
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
      // Upstream host names must resolve when nginx loads the file; Compose's do not here.
      let conf = nginxText
        .replaceAll(/\/etc\/nginx\/tls\/fullchain\.pem/g, join(dir, "cert.pem"))
        .replaceAll(/\/etc\/nginx\/tls\/privkey\.pem/g, join(dir, "key.pem"))
        .replaceAll(/\/var\/cache\/nginx\/plinth/g, join(dir, "cache"))
        .replaceAll(/\/var\/log\/nginx\//g, dir + "/");
      for (const [name] of plinthServices) conf = conf.replaceAll(`${name}:`, "127.0.0.1:");
      writeFileSync(join(dir, "plinth.conf"), conf);
      for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, sub));
      const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k, i) => `${k}_temp_path ${join(dir, ["body", "proxy", "fastcgi", "uwsgi", "scgi"][i]!)};`).join(" ");
      writeFileSync(join(dir, "nginx.conf"), `pid ${join(dir, "nginx.pid")};\nerror_log ${join(dir, "error.log")};\nevents {}\nhttp { ${temp} include ${join(dir, "plinth.conf")}; }\n`);
      const out = execFileSync("nginx", ["-t", "-c", join(dir, "nginx.conf"), "-p", dir, "-e", join(dir, "error.log")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(out).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- Prometheus and Grafana ------------------------------------------------------------

const prometheus = readYaml(join(DEPLOY, "prometheus/prometheus.yml"));
const alertsText = readText(join(DEPLOY, "prometheus/alerts.yml"));
const alertRules = (readYaml(join(DEPLOY, "prometheus/alerts.yml")).groups as any[]).flatMap((g) => g.rules as any[]);
const dashboards = files.filter((f) => f.startsWith("grafana/dashboards/")).map((f) => ({ file: f, json: JSON.parse(readText(join(DEPLOY, f))) }));
const panelsOf = (d: any): any[] => (d.panels as any[]).flatMap((p) => [p, ...((p.panels as any[] | undefined) ?? [])]);
const dashboardExprs = dashboards.flatMap((d) => [
  ...panelsOf(d.json).flatMap((p) => ((p.targets as any[] | undefined) ?? []).map((x) => String(x.expr))),
  ...((d.json.templating?.list ?? []) as any[]).map((v) => String(v.definition ?? v.query?.query ?? "")),
]);
const alertExprs = alertRules.map((r) => String(r.expr));
const referencedMetrics = new Set([...alertExprs, ...dashboardExprs].flatMap(plinthMetrics));

describe("metrics in alerts and dashboards", () => {
  it("are registered on the app's metrics registry, or agreed and pending", () => {
    const unknown = [...referencedMetrics].filter((m) => !registeredMetrics.has(m) && !(m in PENDING_METRICS));
    expect(unknown).toEqual([]);
  });

  it("PENDING_METRICS names only metrics that are not registered yet and are used here", () => {
    const landed = Object.keys(PENDING_METRICS).filter((m) => registeredMetrics.has(m));
    expect(landed, "registered now: remove these from PENDING_METRICS").toEqual([]);
    expect(Object.keys(PENDING_METRICS).filter((m) => !referencedMetrics.has(m))).toEqual([]);
    const landedRoutes = Object.keys(PENDING_ROUTES).filter((r) => getRoutes.has(r));
    expect(landedRoutes, "registered now: remove these from PENDING_ROUTES").toEqual([]);
  });

  it("cover what the alerts and the dashboard must watch", () => {
    const alertNames = new Set(alertExprs.flatMap((e) => [...e.matchAll(/\b[a-z][a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""))));
    expect(ALERTS_MUST_USE.filter((m) => !alertNames.has(m))).toEqual([]);
    const dashboardMetrics = new Set(dashboardExprs.flatMap(plinthMetrics));
    expect(DASHBOARD_MUST_USE.filter((m) => !dashboardMetrics.has(m))).toEqual([]);
  });

  it("use other exporters' metrics only where a comment marks them EXTERNAL", () => {
    const lines = alertsText.split("\n");
    lines.forEach((line, i) => {
      for (const m of line.replace(/#.*$/, "").matchAll(/\b([a-z]+_)[a-z0-9_]+/g)) {
        if (!isPrefixed(m[1]!, EXTERNAL_METRIC_PREFIXES)) continue;
        const before = lines.slice(Math.max(0, i - 12), i).join("\n");
        expect(before, `line ${i + 1}: ${m[0]}`).toMatch(/#.*EXTERNAL/);
      }
    });
    // Dashboards use Plinth's metrics (and Prometheus' own "up") only.
    for (const e of dashboardExprs) expect(e).not.toMatch(/\bnode_[a-z]/);
  });
});

describe("prometheus/", () => {
  it("loads rule files that exist and scrapes the Compose Plinth nodes on a real metrics route", () => {
    for (const f of prometheus.rule_files as string[]) expect(existsSync(join(DEPLOY, "prometheus", f)), f).toBe(true);
    const job = (prometheus.scrape_configs as any[]).find((j) => j.job_name === "plinth");
    expect(job).toBeDefined();
    expect(isRoute(job.metrics_path ?? "/metrics")).toBe(true);
    const targets = (job.static_configs as any[]).flatMap((s) => s.targets as string[]);
    const nodeNames = plinthServices.filter(([, s]) => s.command === undefined).map(([n]) => n);
    expect(targets.map((x) => x.split(":")[0]).sort()).toEqual([...nodeNames].sort());
    for (const x of targets) expect(Number(x.split(":")[1])).toBe(DEFAULT_PORT);
    // Compose mounts this folder where --config.file points.
    const prom = services.find(([, s]) => imageName(String(s.image)) === "prom/prometheus")![1];
    expect(prom.volumes).toContain("./prometheus:/etc/prometheus:ro");
    expect(prom.command).toContain("--config.file=/etc/prometheus/prometheus.yml");
  });

  it("has alert rules with an expression, a severity and a summary, all documented in docs/operations.md", () => {
    const ops = readText(join(REPO, "docs/operations.md"));
    expect(alertRules.length).toBeGreaterThanOrEqual(6);
    for (const r of alertRules) {
      expect(r.alert, JSON.stringify(r)).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(String(r.expr).trim()).not.toBe("");
      expect(["warning", "critical"]).toContain(r.labels?.severity);
      expect(String(r.annotations?.summary ?? "")).not.toBe("");
      expect(ops, `docs/operations.md lists ${r.alert}`).toContain(`\`${r.alert}\``);
    }
  });

  it.skipIf(!which("promtool"))("passes promtool", () => {
    execFileSync("promtool", ["check", "config", join(DEPLOY, "prometheus/prometheus.yml")], { stdio: "pipe" });
  });
});

describe("grafana/", () => {
  const datasources = readYaml(join(DEPLOY, "grafana/provisioning/datasources/prometheus.yml")).datasources as any[];
  const providers = readYaml(join(DEPLOY, "grafana/provisioning/dashboards/plinth.yml")).providers as any[];

  it("provisions the datasource the dashboards name, and loads dashboards from where Compose mounts them", () => {
    const uids = new Set(datasources.map((d) => d.uid));
    for (const { file, json } of dashboards) {
      for (const p of panelsOf(json).filter((x) => x.type !== "row")) {
        expect(uids.has(p.datasource?.uid), `${file}: ${p.title}`).toBe(true);
        for (const target of p.targets as any[]) expect(uids.has(target.datasource?.uid), `${file}: ${p.title}`).toBe(true);
      }
    }
    const grafana = services.find(([, s]) => imageName(String(s.image)) === "grafana/grafana-oss")![1];
    const mounts = new Map((grafana.volumes as string[]).map((v) => [v.split(":")[0], v.split(":")[1]]));
    for (const p of providers) expect([...mounts.values()]).toContain(p.options.path);
    expect(mounts.get("./grafana/dashboards")).toBe(providers[0].options.path);
    expect(mounts.get("./grafana/provisioning")).toBe("/etc/grafana/provisioning");
    for (const d of datasources) expect(services.map(([n]) => n)).toContain(new URL(d.url).hostname);
  });

  it("has dashboards with unique panel ids, a query on every panel and a layout", () => {
    for (const { file, json } of dashboards) {
      expect(json.uid, file).toBeTruthy();
      expect(json.title, file).toBeTruthy();
      const panels = panelsOf(json);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const p of panels) {
        expect(p.gridPos, `${file}: ${p.title}`).toBeDefined();
        if (p.type !== "row") expect((p.targets as any[]).every((x) => String(x.expr).trim() !== ""), `${file}: ${p.title}`).toBe(true);
      }
    }
  });
});

// ---- Kubernetes ---------------------------------------------------------------------

const k8sFacts: K8sFacts = {
  settingNames: SETTING_NAMES,
  isRoute,
  isRoutePrefix,
  imageEnv,
  cliCommands: CLI_COMMANDS,
  port: DEFAULT_PORT,
  bodyLimit: DEFAULT_BODY_LIMIT,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  graceMs: DEFAULT_GRACE_MS,
  forceExitExtraMs: FORCE_EXIT_EXTRA_MS,
};
const kustomizations = files.filter((f) => f.startsWith("k8s/") && f.endsWith("/kustomization.yaml"));

describe("k8s/", () => {
  it("has a base and staging and production overlays whose listed files exist", () => {
    expect(kustomizations).toEqual(expect.arrayContaining(["k8s/base/kustomization.yaml", "k8s/overlays/staging/kustomization.yaml", "k8s/overlays/production/kustomization.yaml"]));
    const listed = new Set<string>(kustomizations);
    for (const f of kustomizations) {
      const dir = dirname(join(DEPLOY, f));
      const k = readYaml(join(DEPLOY, f));
      expect(k.kind, f).toBe("Kustomization");
      const paths = [
        ...((k.resources ?? []) as string[]),
        ...((k.patches ?? []) as any[]).filter((p) => p.path).map((p) => p.path as string),
        ...((k.configMapGenerator ?? []) as any[]).flatMap((g) => [...(g.files ?? []), ...(g.envs ?? [])] as string[]),
        ...((k.secretGenerator ?? []) as any[]).flatMap((g) => [...(g.files ?? []), ...(g.envs ?? [])] as string[]),
      ];
      for (const p of paths) {
        const full = join(dir, p);
        expect(existsSync(full), `${f} lists ${p}`).toBe(true);
        if (statSync(full).isDirectory()) expect(existsSync(join(full, "kustomization.yaml")), `${f}: ${p} is a kustomization`).toBe(true);
        else listed.add(join("k8s", posix.relative(K8S, full.split("\\").join("/"))));
      }
    }
    // No stray manifest that no kustomization applies.
    expect(files.filter((f) => f.startsWith("k8s/") && !listed.has(f))).toEqual([]);
  });

  it("uses only real settings in generators, Secrets and patches of every overlay", () => {
    for (const f of files.filter((x) => x.startsWith("k8s/"))) {
      const docs = readYamlDocs(readText(join(DEPLOY, f)));
      const names = f.endsWith("kustomization.yaml")
        ? docs.flatMap((k) => [...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])].flatMap((g: any) => literalPairs(g.literals).map(([n]) => n)))
        : envNamesIn(docs);
      expect(names.filter((n) => !SETTING_NAMES.has(n)), f).toEqual([]);
    }
  });

  it("base: probes on real routes, a drain that fits the grace period, real settings, Ingress paths that exist", () => {
    expect(k8sProblems(readBase(), k8sFacts)).toEqual([]);
  });

  it.skipIf(!which("kubectl"))("overlays render with kubectl kustomize and pass the same checks", () => {
    for (const overlay of ["staging", "production"]) {
      const out = execFileSync("kubectl", ["kustomize", join(K8S, "overlays", overlay)], { encoding: "utf8" });
      const rendered = readRendered(out);
      const docs = rendered.docs;
      const production = overlay === "production";
      expect(k8sProblems(rendered, k8sFacts, { secretsOutOfBand: production }), overlay).toEqual([]);
      // Example secrets never reach production.
      if (production) expect(docs.filter((d) => d.kind === "Secret")).toEqual([]);
      expect(new Set(docs.map((d) => d.metadata.namespace)).size, overlay).toBe(1);
      for (const d of docs) for (const { container } of podContainers(d)) expect(String(container.image), overlay).toMatch(/\/plinth:[^:]+$/);
    }
  });
});

describe("docs/operations.md", () => {
  const ops = readText(join(REPO, "docs/operations.md"));

  it("names only real settings", () => {
    const named = [...ops.matchAll(/`((?:PLINTH|DATABASE|REDIS)_[A-Z0-9_]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect([...new Set(named)].filter((n) => !SETTING_NAMES.has(n))).toEqual([]);
  });

  it("is linked from the README", () => {
    expect(readFileSync(join(REPO, "README.md"), "utf8").includes("docs/operations.md")).toBe(true);
  });
});
