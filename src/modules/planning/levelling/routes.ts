import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { ProjectParams } from "../../projects/schemas.js";
import { ApplyLevellingBody, LevellingProposal, LevellingQuery } from "./schemas.js";
import type { LevellingService } from "./service.js";

const tags = ["planning"];

export function registerLevellingRoutes(app: App, levelling: LevellingService): void {
  app.get(
    "/api/v1/projects/:projectId/levelling",
    {
      schema: {
        tags,
        summary: "Propose changes that clear overallocation of this project's people (a diff, nothing is changed)",
        description:
          "Delays non-critical tasks within their free slack (so no successor and not the project finish moves), or hands a task to an eligible member with room for it. " +
          "Critical tasks stay put unless includeCritical=true. Work of other projects counts but never moves.",
        params: ProjectParams,
        querystring: LevellingQuery,
        response: { 200: LevellingProposal, ...errorResponses(404) },
      },
    },
    async (req) => levelling.propose(actorOf(req), req.params.projectId, req.query),
  );

  app.post(
    "/api/v1/projects/:projectId/levelling",
    {
      schema: {
        tags,
        summary: "Apply a levelling proposal in one call (manager)",
        description: "Send the same range and the proposal's `basis`; if anything changed since, 409 `conflict` and nothing is applied. Each change is recorded in the task's activity (`levelled`).",
        params: ProjectParams,
        body: ApplyLevellingBody,
        response: { 200: LevellingProposal, ...errorResponses(403, 404, 409) },
      },
    },
    async (req) => levelling.apply(actorOf(req), req.params.projectId, req.body),
  );
}
