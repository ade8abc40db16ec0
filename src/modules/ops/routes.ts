import { Type } from "typebox";
import type { App } from "../../http/types.js";
import type { Platform } from "../../platform/index.js";
import type { Metrics } from "../../platform/metrics.js";
import { withTimeout } from "../../platform/timeout.js";

const PrometheusText = Type.String({ description: "Prometheus text exposition format 0.0.4" });
const Health = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

/** Liveness, readiness, metrics and the OpenAPI document. */
export function registerOpsRoutes(app: App, deps: { platform: Platform; metrics: Metrics; isDraining: () => boolean }): void {
  const { platform, metrics } = deps;
  const ops = { tags: ["operations"], security: [] };

  app.get("/healthz", { config: { public: true }, schema: { ...ops, summary: "Liveness: 200 while the process runs", response: { 200: Health } } }, async () => ({
    status: "ok",
  }));

  app.get(
    "/readyz",
    { config: { public: true }, schema: { ...ops, summary: "Readiness: database (and Redis) answer, not draining", response: { 200: Health, 503: Health } } },
    async (_req, reply) => {
      const checks: Record<string, string> = {};
      let ok = !deps.isDraining();
      checks.draining = deps.isDraining() ? "yes" : "no";
      try {
        await withTimeout(platform.db.ping(), 2000);
        checks.database = "ok";
      } catch {
        checks.database = "down";
        ok = false;
      }
      if (platform.redis) {
        try {
          await withTimeout(platform.redis.ping(), 1000);
          checks.redis = "ok";
        } catch {
          checks.redis = "down";
          ok = false;
        }
      }
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "unavailable", checks });
    },
  );

  app.get(
    "/metrics",
    { config: { public: true }, schema: { ...ops, summary: "Prometheus metrics", produces: ["text/plain"], response: { 200: PrometheusText } } },
    async (_req, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    },
  );

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
