import { Type } from "typebox";
import { actorOf } from "../../../http/auth.js";
import { errorResponses, listOf, Nullable, Timestamp, Uuid } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { OrgParams } from "../../orgs/schemas.js";
import type { CalendarFeedsService } from "./service.js";

const tags = ["planning"];

const Feed = Type.Object({
  id: Uuid,
  orgId: Uuid,
  projectId: Nullable(Uuid),
  name: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  token: Type.Optional(Type.String({ description: "Shown once, at creation" })),
  url: Type.Optional(Type.String({ description: "The secret feed URL to subscribe to; shown once, at creation" })),
});
const CreateFeedBody = Type.Object(
  { projectId: Type.Optional(Uuid) },
  { additionalProperties: false, description: "With projectId: that project's due dates and milestones; without: the tasks assigned to you in this org" },
);
const FeedParams = Type.Object({ orgId: Uuid, feedId: Uuid });
const FeedQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export function registerCalendarFeedRoutes(app: App, feeds: CalendarFeedsService): void {
  app.post(
    "/api/v1/orgs/:orgId/calendar-feeds",
    { schema: { tags, summary: "Create a secret iCalendar feed URL (your tasks, or a project's)", params: OrgParams, body: CreateFeedBody, response: { 201: Feed, ...errorResponses(404) } } },
    async (req, reply) => reply.code(201).send(await feeds.create(actorOf(req), req.params.orgId, req.body)),
  );

  app.get(
    "/api/v1/orgs/:orgId/calendar-feeds",
    { schema: { tags, summary: "Your calendar feeds in an org (without their secrets)", params: OrgParams, response: { 200: listOf(Feed), ...errorResponses(404) } } },
    async (req) => feeds.list(actorOf(req), req.params.orgId),
  );

  app.delete(
    "/api/v1/orgs/:orgId/calendar-feeds/:feedId",
    { schema: { tags, summary: "Revoke one of your calendar feeds", params: FeedParams, response: { 204: { type: "null" }, ...errorResponses(404) } } },
    async (req, reply) => {
      await feeds.remove(actorOf(req), req.params.orgId, req.params.feedId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/ical",
    {
      config: { public: true },
      schema: {
        tags,
        summary: "An iCalendar feed (RFC 5545) by its secret token: due dates and milestones as all-day events",
        security: [],
        description: "No sign-in: the token in the URL is the credential. Unknown or revoked tokens, and feeds whose owner lost access, are 404.",
        querystring: FeedQuery,
        response: { 200: { content: { "text/calendar": { schema: { type: "string" } } } }, ...errorResponses(404) },
      },
    },
    async (req, reply) => reply.type("text/calendar; charset=utf-8").header("cache-control", "private, max-age=300").send(await feeds.render(req.query.token)),
  );
}
