import { actorOf } from "../../http/auth.js";
import { setEtag } from "../../http/etag.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { registerFlowRoutes } from "./flow-routes.js";
import { OrgParams } from "./flow-schemas.js";
import { ActionBody, ApprovalParams, BoxList, BoxQuery, DelegationBody, DelegationResult, Instance, Report, ReportQuery, StartBody } from "./schemas.js";
import type { ApprovalsService } from "./service.js";

const tags = ["approvals"];

export function registerApprovalRoutes(app: App, approvals: ApprovalsService): void {
  registerFlowRoutes(app, approvals.flows);

  app.post(
    "/api/v1/orgs/:orgId/approvals",
    {
      schema: {
        tags,
        summary: "Start an approval on the latest version of a flow",
        params: OrgParams,
        body: StartBody,
        response: { 201: Instance, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const view = await approvals.start(actorOf(req), req.params.orgId, req.body);
      setEtag(reply, view.revision);
      return reply.code(201).send(view);
    },
  );

  app.get(
    "/api/v1/approvals/:approvalId",
    { schema: { tags, summary: "An approval with its nodes, tasks and timeline", params: ApprovalParams, response: { 200: Instance, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      const view = await approvals.get(actorOf(req), req.params.approvalId);
      setEtag(reply, view.revision);
      return view;
    },
  );

  app.post(
    "/api/v1/approvals/:approvalId/actions",
    {
      schema: {
        tags,
        summary: "Act on an approval: approve, reject, transfer, add_signer, return, withdraw, resubmit, urge, comment, reassign (admin)",
        params: ApprovalParams,
        body: ActionBody,
        response: { 200: Instance, ...errorResponses(403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const view = await approvals.act(actorOf(req), req.params.approvalId, req.body);
      setEtag(reply, view.revision);
      return view;
    },
  );

  app.get(
    "/api/v1/me/approvals",
    { schema: { tags, summary: "My approvals: pending (waiting for me), initiated, cc, done", querystring: BoxQuery, response: { 200: BoxList, ...errorResponses() } } },
    async (req) =>
      approvals.myApprovals(actorOf(req), {
        box: req.query.box ?? "pending",
        limit: req.query.limit ?? 50,
        ...(req.query.orgId ? { orgId: req.query.orgId } : {}),
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );

  app.get(
    "/api/v1/orgs/:orgId/me/approval-delegation",
    { schema: { tags, summary: "My approval delegation in this organization", params: OrgParams, response: { 200: DelegationResult, ...errorResponses(404) } } },
    async (req) => approvals.delegations.get(actorOf(req), req.params.orgId),
  );

  app.put(
    "/api/v1/orgs/:orgId/me/approval-delegation",
    {
      schema: {
        tags,
        summary: "While away, send my new approval tasks to a delegate (never chained)",
        params: OrgParams,
        body: DelegationBody,
        response: { 200: DelegationResult, ...errorResponses(403, 404, 422) },
      },
    },
    async (req) => approvals.delegations.put(actorOf(req), req.params.orgId, req.body),
  );

  app.delete(
    "/api/v1/orgs/:orgId/me/approval-delegation",
    { schema: { tags, summary: "End my approval delegation", params: OrgParams, response: { 204: { type: "null" }, ...errorResponses(404) } } },
    async (req, reply) => {
      await approvals.delegations.remove(actorOf(req), req.params.orgId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/orgs/:orgId/reports/approvals",
    {
      schema: {
        tags,
        summary: "Approvals started in [from, to) per flow: outcomes and p50/p90 turnaround (admin+)",
        params: OrgParams,
        querystring: ReportQuery,
        response: { 200: Report, ...errorResponses(403, 404) },
      },
    },
    async (req) => approvals.reports.report(actorOf(req), req.params.orgId, req.query),
  );
}
