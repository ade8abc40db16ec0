import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import {
  AcceptInvitationBody,
  CreateDepartmentBody,
  CreateOrgBody,
  Department,
  DepartmentList,
  InviteBody,
  Invitation,
  InvitationList,
  Member,
  MemberList,
  MemberParams,
  MembersQuery,
  Org,
  OrgList,
  OrgParams,
  UpdateMemberBody,
  UpdateOrgBody,
} from "./schemas.js";
import type { OrgsService } from "./service.js";
import type { AuthService } from "../auth/service.js";

const tags = ["organizations"];

export function registerOrgRoutes(app: App, orgs: OrgsService, auth: AuthService): void {
  app.post("/api/v1/orgs", { schema: { tags, summary: "Create an organization; you become its owner", body: CreateOrgBody, response: { 201: Org, ...errorResponses(409) } } }, async (req, reply) =>
    reply.code(201).send(await orgs.create(actorOf(req), req.body)),
  );

  app.get("/api/v1/orgs", { schema: { tags, summary: "Organizations I belong to", response: { 200: OrgList, ...errorResponses() } } }, async (req) => orgs.mine(actorOf(req)));

  app.get("/api/v1/orgs/:orgId", { schema: { tags, summary: "An organization", params: OrgParams, response: { 200: Org, ...errorResponses(404) } } }, async (req) =>
    orgs.get(actorOf(req), req.params.orgId),
  );

  app.patch(
    "/api/v1/orgs/:orgId",
    { schema: { tags, summary: "Rename an organization (admin+)", params: OrgParams, body: UpdateOrgBody, response: { 200: Org, ...errorResponses(403, 404) } } },
    async (req) => orgs.update(actorOf(req), req.params.orgId, req.body),
  );

  app.post(
    "/api/v1/orgs/:orgId/invitations",
    { schema: { tags, summary: "Invite someone by email (admin+)", params: OrgParams, body: InviteBody, response: { 201: Invitation, ...errorResponses(403, 404) } } },
    async (req, reply) => reply.code(201).send(await orgs.invite(actorOf(req), req.params.orgId, req.body)),
  );

  app.get(
    "/api/v1/orgs/:orgId/invitations",
    { schema: { tags, summary: "Open invitations (admin+)", params: OrgParams, response: { 200: InvitationList, ...errorResponses(403, 404) } } },
    async (req) => orgs.pendingInvitations(actorOf(req), req.params.orgId),
  );

  app.post(
    "/api/v1/invitations/accept",
    { schema: { tags, summary: "Accept an invitation with an existing account", body: AcceptInvitationBody, response: { 200: Org, ...errorResponses(409, 422) } } },
    async (req) => {
      const actor = actorOf(req);
      const me = await auth.me(actor);
      return orgs.acceptInvitation(actor, req.body.token, me.email);
    },
  );

  app.get(
    "/api/v1/orgs/:orgId/members",
    { schema: { tags, summary: "Members of an organization", params: OrgParams, querystring: MembersQuery, response: { 200: MemberList, ...errorResponses(404) } } },
    async (req) => orgs.listMembers(actorOf(req), req.params.orgId, { limit: req.query.limit ?? 50, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
  );

  app.get(
    "/api/v1/orgs/:orgId/members/:userId",
    { schema: { tags, summary: "One member", params: MemberParams, response: { 200: Member, ...errorResponses(404) } } },
    async (req) => orgs.getMember(actorOf(req), req.params.orgId, req.params.userId),
  );

  app.patch(
    "/api/v1/orgs/:orgId/members/:userId",
    {
      schema: { tags, summary: "Change a member's role, manager or department (admin+)", params: MemberParams, body: UpdateMemberBody, response: { 200: Member, ...errorResponses(403, 404, 409) } },
    },
    async (req) => orgs.updateMember(actorOf(req), req.params.orgId, req.params.userId, req.body),
  );

  app.delete(
    "/api/v1/orgs/:orgId/members/:userId",
    { schema: { tags, summary: "Remove a member (admin+)", params: MemberParams, response: { 204: { type: "null" }, ...errorResponses(403, 404, 409) } } },
    async (req, reply) => {
      await orgs.removeMember(actorOf(req), req.params.orgId, req.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/v1/orgs/:orgId/departments",
    { schema: { tags, summary: "Create a department (admin+)", params: OrgParams, body: CreateDepartmentBody, response: { 201: Department, ...errorResponses(403, 404) } } },
    async (req, reply) => reply.code(201).send(await orgs.createDepartment(actorOf(req), req.params.orgId, req.body)),
  );

  app.get(
    "/api/v1/orgs/:orgId/departments",
    { schema: { tags, summary: "Departments of an organization", params: OrgParams, response: { 200: DepartmentList, ...errorResponses(404) } } },
    async (req) => orgs.listDepartments(actorOf(req), req.params.orgId),
  );
}
