import { Type } from "typebox";
import { actorOf } from "../../http/auth.js";
import { errorResponses, Nullable, Timestamp } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import type { AdminJobsService } from "./service.js";

const tags = ["administration"];
const JobStateSchema = Type.Union([Type.Literal("waiting"), Type.Literal("active"), Type.Literal("completed"), Type.Literal("failed")]);
const Job = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: JobStateSchema,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  data: Type.Unknown(),
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});
const Counts = Type.Object({ waiting: Type.Integer(), active: Type.Integer(), completed: Type.Integer(), failed: Type.Integer() });
const JobList = Type.Object({ items: Type.Array(Job), counts: Counts, backend: Type.String({ description: "database or bullmq" }) });
const JobParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9_.-]+$" }) });

export function registerAdminRoutes(app: App, jobs: AdminJobsService): void {
  app.get(
    "/api/v1/admin/jobs",
    {
      schema: {
        tags,
        summary: "Background jobs by state (instance administrators)",
        querystring: Type.Object({
          state: Type.Optional(JobStateSchema),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: { 200: JobList, ...errorResponses(403) },
      },
    },
    async (req) => jobs.list(actorOf(req), req.query.state ?? "failed", req.query.limit ?? 50),
  );

  app.post(
    "/api/v1/admin/jobs/:jobId/retry",
    {
      schema: {
        tags,
        summary: "Run a failed (dead-lettered) job again",
        params: JobParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      await jobs.retry(actorOf(req), req.params.jobId);
      return reply.code(204).send(null);
    },
  );
}
