import { randomUUID } from "node:crypto";
import Fastify, { type FastifySchema, type RouteOptions } from "fastify";
import cookie from "@fastify/cookie";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Config } from "./config.js";
import { registerAuthentication } from "./http/auth.js";
import { registerIdempotency } from "./http/idempotency.js";
import { registerProblemHandlers, sendProblem, toProblem } from "./http/problem.js";
import { Problem } from "./http/schemas.js";
import type { App } from "./http/types.js";
import { registerValidation } from "./http/validation.js";
import { registerWebSocketUpgrades } from "./http/websocket.js";
import { createServices, registerModuleRoutes, type Services } from "./modules/index.js";
import { registerOpenApi } from "./modules/ops/openapi.js";
import { registerOpsRoutes } from "./modules/ops/routes.js";
import { startApprovalScheduler } from "./modules/approvals/scheduler.js";
import { startBackupScheduler } from "./modules/backups/scheduler.js";
import { startNotificationScheduler } from "./modules/notifications/scheduler.js";
import { startRecurrenceScheduler } from "./modules/planning/recurrence/scheduler.js";
import { registerRealtimeRoutes } from "./modules/realtime/routes.js";
import { invalid } from "./platform/errors.js";
import { createPlatform, type Platform, type PlatformOverrides } from "./platform/index.js";
import { createLogger, type Logger } from "./platform/logger.js";
import { createMetrics, type Metrics } from "./platform/metrics.js";

export interface BuiltApp {
  app: App;
  platform: Platform;
  services: Services;
  metrics: Metrics;
  /** Every route registered (HEAD twins left out): tests walk them so new routes are covered. */
  routes: readonly RegisteredRoute[];
  /** Readiness turns 503 from here on; in-flight requests still finish. */
  startDraining(): void;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
  isPublic: boolean;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const storable = (s: string): boolean => !s.includes("\0") && (s as string & { isWellFormed(): boolean }).isWellFormed();

/** The first field holding text PostgreSQL cannot store (NUL, unpaired surrogates); iterative, as bodies may nest deeply. */
function unstorableTextAt(parts: Record<string, unknown>): string | undefined {
  const stack = Object.entries(parts).map(([path, value]) => ({ path, value, depth: 0 }));
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { path, value, depth } = next;
    if (typeof value === "string" && !storable(value)) return path;
    if (value === null || typeof value !== "object") continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = depth < 4 ? `${path}.${key}` : path;
      if (!storable(key)) return childPath;
      stack.push({ path: childPath, value: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Builds the whole server from a config object; main.ts and the tests both use it. */
export async function buildApp(config: Config, opts: PlatformOverrides & { log?: Logger } = {}): Promise<BuiltApp> {
  const log = opts.log ?? createLogger(config.logLevel);
  // Metrics first: the platform reports jobs and relay progress to them.
  const built: { platform?: Platform } = {};
  const metrics = createMetrics(
    () => built.platform?.db,
    () => built.platform?.jobs,
    () => built.platform?.hotCache.stats,
  );
  const platform = await createPlatform(config, log, { ...opts, observer: metrics.platformObserver });
  built.platform = platform;
  const services = createServices(platform);
  services.approvals.registerMetrics(metrics.registry);
  services.backups.registerMetrics(metrics.registry);
  services.webhooks.registerMetrics(metrics.registry);
  services.realtime.registerMetrics(metrics.registry);
  let draining = false;
  const registered: { method: string; route: RouteOptions }[] = [];

  const app = Fastify({
    loggerInstance: log,
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // A request that reached us on an open connection while draining is served, not refused:
    // nginx cannot retry a refused POST on another node once it has sent it.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    // Malformed URLs and over-long path segments fail before routing; answer them as problems too.
    frameworkErrors: (err, req, reply) => {
      void reply.header("x-request-id", req.id);
      void sendProblem(req, reply, toProblem(err));
    },
    // Requests Node cannot even parse (raw non-ASCII in the URL, oversized headers) never reach
    // Fastify's routing; still answer them as problems rather than with a bare "Client Error".
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === "ECONNRESET" || !socket.writable) {
        socket.destroy();
        return;
      }
      const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
      const status = tooLarge ? 431 : 400;
      const body = JSON.stringify({
        type: "https://plinth.dev/problems/bad-request",
        title: tooLarge ? "Request headers too large" : "Bad request",
        status,
        detail: tooLarge ? "The request headers are too large" : "The HTTP request could not be parsed; URLs must be percent-encoded",
        code: "bad_request",
      });
      socket.end(
        `HTTP/1.1 ${status} ${tooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.addSchema(Problem);
  registerValidation(app, [Problem]);
  registerProblemHandlers(app);
  await app.register(cookie);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") registered.push({ method, route });
    }
  });
  // Only JSON bodies are accepted (API.md); text/plain would otherwise reach the schemas as a string.
  app.removeContentTypeParser("text/plain");
  await registerOpenApi(app, config);

  app.addHook("onRequest", async (req, reply) => {
    void reply.header("x-request-id", req.id);
  });
  // While draining, a kept-alive connection would hold close() open until its timeout: close it after this response.
  app.addHook("onSend", async (_req, reply, payload) => {
    if (draining) void reply.header("connection", "close");
    return payload;
  });
  // Read-your-writes: once an authenticated change is answered, its author's reads avoid replicas
  // that may not have it yet. Marked before the answer leaves, so the next request sees the mark;
  // a 4xx changed nothing (a 5xx may have committed first).
  app.addHook("onSend", async (req, reply, payload) => {
    if (req.actor && !READ_METHODS.has(req.method) && (reply.statusCode < 400 || reply.statusCode >= 500)) await platform.db.noteWrite(req.actor);
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  // Refused for every route at once, before any of it can reach SQL as a 500.
  app.addHook("preValidation", async (req) => {
    const at = unstorableTextAt({ body: req.body, query: req.query, params: req.params });
    if (at) throw invalid(at, "must not contain NUL characters or unpaired UTF-16 surrogates");
  });
  registerAuthentication(app, services.auth);
  registerIdempotency(app, platform);
  registerOpsRoutes(app, { platform, metrics, isDraining: () => draining });
  // A node without the api role (a dedicated worker or cron node) still answers health and metrics.
  if (config.roles.includes("api")) registerModuleRoutes(app, services, config);
  if (config.roles.includes("realtime")) {
    // Clients send nothing but control frames; 4 KiB is plenty.
    registerRealtimeRoutes(app, services.realtime, registerWebSocketUpgrades(app, { maxPayload: 4096 }), config.wsAllowedOrigins);
    await services.realtime.start();
    // Before the server stops accepting and waits for its connections: upgraded sockets count as open ones.
    app.addHook("preClose", () => services.realtime.close());
  }
  // Timeouts are kept in the database; any node with the cron role may fire them (claims are row-locked).
  const stopApprovalScheduler = config.roles.includes("cron") ? startApprovalScheduler(services, platform) : undefined;
  const stopRecurrenceScheduler = config.roles.includes("cron") ? startRecurrenceScheduler(services.planning.recurrences, platform) : undefined;
  const stopBackupScheduler = config.roles.includes("cron") ? startBackupScheduler(services.backups, platform) : undefined;
  const stopNotificationScheduler = config.roles.includes("cron") ? startNotificationScheduler(services.notifications, platform) : undefined;

  // Any number of worker nodes share the outbox and the jobs (row locks / BullMQ), so none is special.
  if (config.roles.includes("worker")) {
    platform.relay.start();
    platform.jobs.start();
  }

  app.addHook("onClose", async () => {
    await stopApprovalScheduler?.();
    await stopRecurrenceScheduler?.();
    await stopBackupScheduler?.();
    // A backup in progress finishes before the database closes under it.
    await services.backups.settle();
    // Before the job queue stops: deliveries in flight are aborted, not waited for.
    await services.webhooks.close();
    await stopNotificationScheduler?.();
    metrics.stop();
    await platform.close();
  });
  await app.ready();
  // Read once every onRoute hook has run: a later hook may still amend a route's config.
  const routes = registered.map(({ method, route }) => ({ method, url: route.url, schema: route.schema, isPublic: route.config?.public === true }));
  return {
    app,
    platform,
    services,
    metrics,
    routes,
    startDraining: () => {
      draining = true;
    },
  };
}
