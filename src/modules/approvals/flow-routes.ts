import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { CreateFlowBody, Flow, FlowList, FlowParams, FlowQuery, FlowsQuery, OrgParams, UpdateFlowBody } from "./flow-schemas.js";
import type { FlowCatalog, FlowInput } from "./flows.js";

const tags = ["approvals"];

export function registerFlowRoutes(app: App, flows: FlowCatalog): void {
  app.post(
    "/api/v1/orgs/:orgId/approval-flows",
    {
      schema: {
        tags,
        summary: "Create an approval flow (admin+); version 1. An invalid graph is a 422 naming the node",
        params: OrgParams,
        body: CreateFlowBody,
        response: { 201: Flow, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await flows.create(actorOf(req), req.params.orgId, req.body as FlowInput & { key: string })),
  );

  app.get(
    "/api/v1/orgs/:orgId/approval-flows",
    { schema: { tags, summary: "Approval flows of an organization (latest versions, by key)", params: OrgParams, querystring: FlowsQuery, response: { 200: FlowList, ...errorResponses(403, 404) } } },
    async (req) =>
      flows.list(actorOf(req), req.params.orgId, { limit: req.query.limit ?? 50, archived: req.query.archived ?? false, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
  );

  app.get(
    "/api/v1/orgs/:orgId/approval-flows/:key",
    { schema: { tags, summary: "An approval flow: the latest version, or ?version=n", params: FlowParams, querystring: FlowQuery, response: { 200: Flow, ...errorResponses(403, 404) } } },
    async (req) => flows.get(actorOf(req), req.params.orgId, req.params.key, req.query.version),
  );

  app.put(
    "/api/v1/orgs/:orgId/approval-flows/:key",
    {
      schema: {
        tags,
        summary: "Save the next version of a flow (admin+); running instances keep theirs",
        params: FlowParams,
        body: UpdateFlowBody,
        response: { 200: Flow, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req) => flows.update(actorOf(req), req.params.orgId, req.params.key, req.body as FlowInput),
  );

  app.post(
    "/api/v1/orgs/:orgId/approval-flows/:key/archive",
    { schema: { tags, summary: "Archive a flow (admin+): no new instances; running ones finish", params: FlowParams, response: { 200: Flow, ...errorResponses(403, 404) } } },
    async (req) => flows.setArchived(actorOf(req), req.params.orgId, req.params.key, true),
  );

  app.post(
    "/api/v1/orgs/:orgId/approval-flows/:key/restore",
    { schema: { tags, summary: "Restore an archived flow (admin+)", params: FlowParams, response: { 200: Flow, ...errorResponses(403, 404) } } },
    async (req) => flows.setArchived(actorOf(req), req.params.orgId, req.params.key, false),
  );
}
