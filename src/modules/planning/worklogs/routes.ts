import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { TaskParams } from "../../tasks/schemas.js";
import { CreateWorklogBody, Worklog, WorklogList, WorklogParams, WorklogQuery } from "./schemas.js";
import type { WorklogsService } from "./service.js";

const tags = ["planning"];

export function registerWorklogRoutes(app: App, worklogs: WorklogsService): void {
  app.post(
    "/api/v1/tasks/:idOrKey/worklogs",
    {
      schema: {
        tags,
        summary: "Log hours worked on a task (adds to its spentHours)",
        description: "0 < hours <= 24, and at most 24 hours per person per date across all tasks (422 `daily_hours_exceeded`). The date may not be later than tomorrow (UTC).",
        params: TaskParams,
        body: CreateWorklogBody,
        response: { 201: Worklog, ...errorResponses(403, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await worklogs.add(actorOf(req), req.params.idOrKey, req.body)),
  );

  app.get(
    "/api/v1/tasks/:idOrKey/worklogs",
    { schema: { tags, summary: "A task's worklogs, latest work first", params: TaskParams, querystring: WorklogQuery, response: { 200: WorklogList, ...errorResponses(404) } } },
    async (req) => worklogs.list(actorOf(req), req.params.idOrKey, req.query),
  );

  app.delete(
    "/api/v1/tasks/:idOrKey/worklogs/:worklogId",
    {
      schema: { tags, summary: "Remove a worklog (its author or a project manager); spentHours goes down", params: WorklogParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } },
    },
    async (req, reply) => {
      await worklogs.remove(actorOf(req), req.params.idOrKey, req.params.worklogId);
      return reply.code(204).send(null);
    },
  );
}
