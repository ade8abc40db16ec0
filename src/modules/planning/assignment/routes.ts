import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { MemberParams } from "../../orgs/schemas.js";
import { ProjectParams } from "../../projects/schemas.js";
import { AssignmentSettings, AssignmentSettingsBody, MemberSkills, MemberSkillsBody } from "./schemas.js";
import type { AssignmentService } from "./service.js";

const tags = ["planning"];

export function registerAssignmentRoutes(app: App, assignment: AssignmentService): void {
  app.get(
    "/api/v1/projects/:projectId/assignment",
    { schema: { tags, summary: "How new unassigned tasks get an assignee (off by default)", params: ProjectParams, response: { 200: AssignmentSettings, ...errorResponses(404) } } },
    async (req) => assignment.settings(actorOf(req), req.params.projectId),
  );

  app.put(
    "/api/v1/projects/:projectId/assignment",
    {
      schema: {
        tags,
        summary: "Turn automatic assignment on or off (manager)",
        description: "Eligible: members who can work on tasks in the project; when the task has labels, those with a matching skill (if anyone has one). The choice and its reason go to the task's activity (`auto_assigned`).",
        params: ProjectParams,
        body: AssignmentSettingsBody,
        response: { 200: AssignmentSettings, ...errorResponses(403, 404) },
      },
    },
    async (req) => assignment.setStrategy(actorOf(req), req.params.projectId, req.body.strategy),
  );

  app.get(
    "/api/v1/orgs/:orgId/members/:userId/skills",
    { schema: { tags, summary: "A member's skills (matched against task labels)", params: MemberParams, response: { 200: MemberSkills, ...errorResponses(404) } } },
    async (req) => assignment.skills(actorOf(req), req.params.orgId, req.params.userId),
  );

  app.put(
    "/api/v1/orgs/:orgId/members/:userId/skills",
    {
      schema: { tags, summary: "Set a member's skills (your own, or anyone's as admin+)", params: MemberParams, body: MemberSkillsBody, response: { 200: MemberSkills, ...errorResponses(403, 404) } },
    },
    async (req) => assignment.setSkills(actorOf(req), req.params.orgId, req.params.userId, req.body.skills),
  );
}
