import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Config } from "./config.js";
import { registerAuthentication } from "./http/auth.js";
import { registerIdempotency } from "./http/idempotency.js";
import { registerProblemHandlers } from "./http/problem.js";
import { Problem } from "./http/schemas.js";
import type { App } from "./http/types.js";
import { registerValidation } from "./http/validation.js";
import { createServices, registerModuleRoutes, type Services } from "./modules/index.js";
import { registerOpsRoutes } from "./modules/ops/routes.js";
import { createPlatform, type Platform, type PlatformOverrides } from "./platform/index.js";
import { createLogger, type Logger } from "./platform/logger.js";
import { createMetrics, type Metrics } from "./platform/metrics.js";

export interface BuiltApp {
  app: App;
  platform: Platform;
  services: Services;
  metrics: Metrics;
  /** Readiness turns 503 from here on; in-flight requests still finish. */
  startDraining(): void;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the whole server from a config object; main.ts and the tests both use it. */
export async function buildApp(config: Config, opts: PlatformOverrides & { log?: Logger } = {}): Promise<BuiltApp> {
  const log = opts.log ?? createLogger(config.logLevel);
  const platform = await createPlatform(config, log, opts);
  const metrics = createMetrics(() => platform.db);
  const services = createServices(platform);
  let draining = false;

  const app = Fastify({
    loggerInstance: log,
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.addSchema(Problem);
  registerValidation(app, [Problem]);
  registerProblemHandlers(app);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Plinth API", version: "1", description: "Projects, tasks, schedules and approval flows. 项目、任务、排期与审批流。" },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "Session token from login, or a personal access token" },
          cookie: { type: "apiKey", in: "cookie", name: "plinth_session" },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
  });
  // The browsable reference is public, like the document it renders.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs")) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });

  app.addHook("onRequest", async (req, reply) => {
    void reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  registerAuthentication(app, services.auth);
  registerIdempotency(app, platform.db);
  registerOpsRoutes(app, { platform, metrics, isDraining: () => draining });
  registerModuleRoutes(app, services, config);

  app.addHook("onClose", async () => {
    metrics.stop();
    await platform.close();
  });
  await app.ready();
  return {
    app,
    platform,
    services,
    metrics,
    startDraining: () => {
      draining = true;
    },
  };
}
