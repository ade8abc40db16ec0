import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { ProjectParams } from "../../projects/schemas.js";
import { Baseline, BaselineList, BaselineParams, CreateBaselineBody, Variance } from "./schemas.js";
import type { BaselinesService } from "./service.js";

const tags = ["planning"];

export function registerBaselineRoutes(app: App, baselines: BaselinesService): void {
  app.post(
    "/api/v1/projects/:projectId/baselines",
    {
      schema: {
        tags,
        summary: "Save the current schedule as a named baseline (manager)",
        params: ProjectParams,
        body: CreateBaselineBody,
        response: { 201: Baseline, ...errorResponses(403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await baselines.create(actorOf(req), req.params.projectId, req.body.name)),
  );

  app.get(
    "/api/v1/projects/:projectId/baselines",
    { schema: { tags, summary: "A project's baselines, newest first", params: ProjectParams, response: { 200: BaselineList, ...errorResponses(404) } } },
    async (req) => baselines.list(actorOf(req), req.params.projectId),
  );

  app.get(
    "/api/v1/projects/:projectId/baselines/:baselineId",
    {
      schema: {
        tags,
        summary: "Variance report: planned (baseline) vs current (schedule) vs actual dates",
        description: "Variances are in working days of the org calendar, later positive. Tasks created since are `added`; deleted since, `removed`.",
        params: BaselineParams,
        response: { 200: Variance, ...errorResponses(404) },
      },
    },
    async (req) => baselines.variance(actorOf(req), req.params.projectId, req.params.baselineId),
  );

  app.delete(
    "/api/v1/projects/:projectId/baselines/:baselineId",
    { schema: { tags, summary: "Delete a baseline (manager)", params: BaselineParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await baselines.remove(actorOf(req), req.params.projectId, req.params.baselineId);
      return reply.code(204).send(null);
    },
  );
}
