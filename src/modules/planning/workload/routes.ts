import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { OrgParams } from "../../orgs/schemas.js";
import { Workload, WorkloadQuery } from "./schemas.js";
import type { WorkloadService } from "./service.js";

export function registerWorkloadRoutes(app: App, workload: WorkloadService): void {
  app.get(
    "/api/v1/orgs/:orgId/workload",
    {
      schema: {
        tags: ["planning"],
        summary: "Hours allocated per person per week against capacity (org-wide, or one project with projectId)",
        description:
          "Each open assigned task's remaining estimate (estimateHours - spentHours) is spread over the assignee's working days between its start and due dates; " +
          "with one date, over the days its hours need from there; without dates it is unscheduled. Capacity follows the org calendar, the person's hours and week, and time off. " +
          "Up to 53 weeks; members and admins (not guests).",
        params: OrgParams,
        querystring: WorkloadQuery,
        response: { 200: Workload, ...errorResponses(403, 404) },
      },
    },
    async (req) => workload.get(actorOf(req), req.params.orgId, req.query),
  );
}
