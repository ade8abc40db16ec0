import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { ProjectParams } from "../../projects/schemas.js";
import { CreateRecurrenceBody, Recurrence, RecurrenceList, RecurrenceParams } from "./schemas.js";
import type { RecurrencesService } from "./service.js";

const tags = ["planning"];

export function registerRecurrenceRoutes(app: App, recurrences: RecurrencesService): void {
  app.post(
    "/api/v1/projects/:projectId/recurrences",
    {
      schema: {
        tags,
        summary: "Create a recurring task (daily, weekly on chosen days, monthly; with an end date or count)",
        description: "The cron role creates one task per occurrence on its date (UTC), in your name, exactly once even with several nodes.",
        params: ProjectParams,
        body: CreateRecurrenceBody,
        response: { 201: Recurrence, ...errorResponses(403, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await recurrences.create(actorOf(req), req.params.projectId, req.body)),
  );

  app.get(
    "/api/v1/projects/:projectId/recurrences",
    { schema: { tags, summary: "A project's recurring tasks", params: ProjectParams, response: { 200: RecurrenceList, ...errorResponses(404) } } },
    async (req) => recurrences.list(actorOf(req), req.params.projectId),
  );

  app.delete(
    "/api/v1/projects/:projectId/recurrences/:recurrenceId",
    { schema: { tags, summary: "Stop a recurring task (its creator or a manager); tasks already made stay", params: RecurrenceParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await recurrences.remove(actorOf(req), req.params.projectId, req.params.recurrenceId);
      return reply.code(204).send(null);
    },
  );
}
