import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { ProjectParams } from "../../projects/schemas.js";
import { EarnedValue, EarnedValueQuery } from "./schemas.js";
import type { EarnedValueService } from "./service.js";

export function registerEarnedValueRoutes(app: App, earned: EarnedValueService): void {
  app.get(
    "/api/v1/projects/:projectId/earned-value",
    {
      schema: {
        tags: ["planning"],
        summary: "Earned value over time: planned value, earned value, actual cost, SPI and CPI, in hours",
        description:
          "Per period end: PV spreads each task's estimate evenly over the working days of its planned dates (the current schedule, or the baseline's dates and " +
          "estimates with baselineId); EV is estimate x percent complete as the task activity recorded it on that day; AC is the hours logged up to that day. " +
          "Only tasks without subtasks carry budgets. Periods ending after today show only PV. At most 366 periods.",
        params: ProjectParams,
        querystring: EarnedValueQuery,
        response: { 200: EarnedValue, ...errorResponses(404) },
      },
    },
    async (req) => earned.get(actorOf(req), req.params.projectId, req.query),
  );
}
