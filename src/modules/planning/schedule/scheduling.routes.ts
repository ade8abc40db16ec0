import { Type } from "typebox";
import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { ProjectParams } from "../../projects/schemas.js";
import type { SchedulingService } from "./scheduling.js";

const Mode = Type.Union([Type.Literal("manual"), Type.Literal("automatic")], {
  description: "manual: dates are the user's and the schedule reports conflicts; automatic: when a predecessor moves, dated dependents move later (recorded in their activity)",
});
const SchedulingBody = Type.Object({ mode: Mode }, { additionalProperties: false });
const Scheduling = Type.Object({ mode: Mode });
const SchedulingChanged = Type.Object({ mode: Mode, rescheduled: Type.Integer({ description: "Tasks moved by switching to automatic" }) });

export function registerSchedulingRoutes(app: App, scheduling: SchedulingService): void {
  app.get(
    "/api/v1/projects/:projectId/scheduling",
    { schema: { tags: ["planning"], summary: "The project's scheduling mode (manual by default)", params: ProjectParams, response: { 200: Scheduling, ...errorResponses(404) } } },
    async (req) => scheduling.getMode(actorOf(req), req.params.projectId),
  );

  app.put(
    "/api/v1/projects/:projectId/scheduling",
    {
      schema: {
        tags: ["planning"],
        summary: "Switch between manual and automatic scheduling (manager)",
        description: "Switching to automatic moves, at once, every dated task its dependencies already push later.",
        params: ProjectParams,
        body: SchedulingBody,
        response: { 200: SchedulingChanged, ...errorResponses(403, 404) },
      },
    },
    async (req) => scheduling.setMode(actorOf(req), req.params.projectId, req.body.mode),
  );
}
