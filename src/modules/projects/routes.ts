import { actorOf } from "../../http/auth.js";
import { ifMatchVersion, setEtag } from "../../http/etag.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import {
  CreateProjectBody,
  OrgProjectsParams,
  Project,
  ProjectList,
  ProjectMember,
  ProjectMemberList,
  ProjectMemberParams,
  ProjectParams,
  ProjectsQuery,
  PutProjectMemberBody,
  UpdateProjectBody,
  WorkflowSchema,
} from "./schemas.js";
import type { ProjectsService } from "./service.js";

const tags = ["projects"];

export function registerProjectRoutes(app: App, projects: ProjectsService): void {
  app.post(
    "/api/v1/orgs/:orgId/projects",
    { schema: { tags, summary: "Create a project; you become its manager", params: OrgProjectsParams, body: CreateProjectBody, response: { 201: Project, ...errorResponses(403, 404, 409) } } },
    async (req, reply) => {
      const project = await projects.create(actorOf(req), req.params.orgId, req.body);
      setEtag(reply, project.version);
      return reply.code(201).send(project);
    },
  );

  app.get(
    "/api/v1/orgs/:orgId/projects",
    { schema: { tags, summary: "Projects I can see in an organization", params: OrgProjectsParams, querystring: ProjectsQuery, response: { 200: ProjectList, ...errorResponses(404) } } },
    async (req) => projects.list(actorOf(req), req.params.orgId, { limit: req.query.limit ?? 50, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
  );

  app.get("/api/v1/projects/:projectId", { schema: { tags, summary: "A project", params: ProjectParams, response: { 200: Project, ...errorResponses(404) } } }, async (req, reply) => {
    const project = await projects.get(actorOf(req), req.params.projectId);
    setEtag(reply, project.version);
    return project;
  });

  app.patch(
    "/api/v1/projects/:projectId",
    { schema: { tags, summary: "Update a project (manager); If-Match optional", params: ProjectParams, body: UpdateProjectBody, response: { 200: Project, ...errorResponses(403, 404, 412) } } },
    async (req, reply) => {
      const project = await projects.update(actorOf(req), req.params.projectId, req.body, ifMatchVersion(req));
      setEtag(reply, project.version);
      return project;
    },
  );

  app.delete(
    "/api/v1/projects/:projectId",
    { schema: { tags, summary: "Delete (archive) a project (manager)", params: ProjectParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await projects.remove(actorOf(req), req.params.projectId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/projects/:projectId/members",
    { schema: { tags, summary: "Explicit project members", params: ProjectParams, response: { 200: ProjectMemberList, ...errorResponses(404) } } },
    async (req) => projects.members(actorOf(req), req.params.projectId),
  );

  app.put(
    "/api/v1/projects/:projectId/members/:userId",
    {
      schema: { tags, summary: "Add or change a project member (manager)", params: ProjectMemberParams, body: PutProjectMemberBody, response: { 200: ProjectMember, ...errorResponses(403, 404, 422) } },
    },
    async (req) => projects.putMember(actorOf(req), req.params.projectId, req.params.userId, req.body.role),
  );

  app.delete(
    "/api/v1/projects/:projectId/members/:userId",
    { schema: { tags, summary: "Remove a project member (manager)", params: ProjectMemberParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await projects.removeMember(actorOf(req), req.params.projectId, req.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/projects/:projectId/workflow",
    { schema: { tags, summary: "Statuses and allowed transitions", params: ProjectParams, response: { 200: WorkflowSchema, ...errorResponses(404) } } },
    async (req) => projects.getWorkflow(actorOf(req), req.params.projectId),
  );

  app.put(
    "/api/v1/projects/:projectId/workflow",
    { schema: { tags, summary: "Replace the workflow (manager)", params: ProjectParams, body: WorkflowSchema, response: { 200: WorkflowSchema, ...errorResponses(403, 404, 422) } } },
    async (req) => projects.putWorkflow(actorOf(req), req.params.projectId, req.body),
  );
}
