import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { pickLocale } from "../../../platform/i18n.js";
import { ProjectParams } from "../../projects/schemas.js";
import { Schedule } from "./schemas.js";
import type { ScheduleService } from "./service.js";

export function registerScheduleRoutes(app: App, schedule: ScheduleService): void {
  app.get(
    "/api/v1/projects/:projectId/schedule",
    {
      schema: {
        tags: ["planning"],
        summary: "Critical-path schedule: early and late dates, slack, critical path and what drives each task",
        description:
          "Forward and backward pass over the org's working days with FS, SS, FF and SF dependencies and their lags. A task's own dates are 'not before' constraints; " +
          "tasks of other projects linked to this one are fixed at their planned dates. `driver` is in the language of Accept-Language (zh-CN or en).",
        params: ProjectParams,
        response: { 200: Schedule, ...errorResponses(404, 422) },
      },
    },
    async (req, reply) => {
      const answer = await schedule.get(actorOf(req), req.params.projectId, pickLocale(req.headers["accept-language"]));
      // A big project's answer is megabytes: JSON.stringify writes it about three times faster than
      // the schema's serializer, and gives the same text (buildSchedule makes exactly the schema's
      // fields, in its order). The schema still documents the answer.
      void reply.type("application/json; charset=utf-8").serializer(JSON.stringify);
      return answer;
    },
  );
}
