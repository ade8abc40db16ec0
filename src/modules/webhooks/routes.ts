import { actorOf } from "../../http/auth.js";
import { ifMatchVersion, setEtag } from "../../http/etag.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { OrgParams } from "../orgs/schemas.js";
import {
  CreateWebhookBody,
  DeliveriesQuery,
  Delivery,
  DeliveryDetail,
  DeliveryList,
  DeliveryParams,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookParams,
  WebhooksQuery,
} from "./schemas.js";
import type { WebhooksService } from "./service.js";

const tags = ["webhooks"];
const base = "/api/v1/orgs/:orgId/webhooks";

export function registerWebhookRoutes(app: App, webhooks: WebhooksService): void {
  app.post(
    base,
    {
      schema: {
        tags,
        summary: "Create a webhook (admin+); a generated secret is shown once",
        params: OrgParams,
        body: CreateWebhookBody,
        response: { 201: Webhook, ...errorResponses(403, 404, 422) },
      },
    },
    async (req, reply) => {
      const hook = await webhooks.create(actorOf(req), req.params.orgId, req.body);
      setEtag(reply, hook.version);
      return reply.code(201).send(hook);
    },
  );

  app.get(
    base,
    { schema: { tags, summary: "Webhooks of an organization (admin+)", params: OrgParams, querystring: WebhooksQuery, response: { 200: WebhookList, ...errorResponses(403, 404) } } },
    async (req) => webhooks.list(actorOf(req), req.params.orgId, { limit: req.query.limit ?? 50, ...(req.query.cursor ? { cursor: req.query.cursor } : {}) }),
  );

  app.get(
    `${base}/:webhookId`,
    { schema: { tags, summary: "A webhook (admin+); the secret is never shown", params: WebhookParams, response: { 200: Webhook, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      const hook = await webhooks.get(actorOf(req), req.params.orgId, req.params.webhookId);
      setEtag(reply, hook.version);
      return hook;
    },
  );

  app.patch(
    `${base}/:webhookId`,
    {
      schema: {
        tags,
        summary: "Change a webhook (admin+); active: true re-enables a disabled one; If-Match optional",
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...errorResponses(403, 404, 412, 422) },
      },
    },
    async (req, reply) => {
      const hook = await webhooks.update(actorOf(req), req.params.orgId, req.params.webhookId, req.body, ifMatchVersion(req));
      setEtag(reply, hook.version);
      return hook;
    },
  );

  app.delete(
    `${base}/:webhookId`,
    { schema: { tags, summary: "Delete a webhook and its delivery log (admin+)", params: WebhookParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await webhooks.remove(actorOf(req), req.params.orgId, req.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:webhookId/test`,
    {
      schema: {
        tags,
        summary: "Send a webhook.ping now (one attempt, also to a disabled webhook); see the result in the deliveries",
        params: WebhookParams,
        response: { 202: Delivery, ...errorResponses(403, 404) },
      },
    },
    async (req, reply) => reply.code(202).send(await webhooks.ping(actorOf(req), req.params.orgId, req.params.webhookId)),
  );

  app.get(
    `${base}/:webhookId/deliveries`,
    {
      schema: {
        tags,
        summary: "Delivery log of a webhook, newest first (admin+)",
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryList, ...errorResponses(403, 404) },
      },
    },
    async (req) =>
      webhooks.listDeliveries(actorOf(req), req.params.orgId, req.params.webhookId, {
        limit: req.query.limit ?? 50,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
        ...(req.query.status ? { status: req.query.status } : {}),
      }),
  );

  app.get(
    `${base}/:webhookId/deliveries/:deliveryId`,
    { schema: { tags, summary: "One delivery with the event it carries and every attempt (admin+)", params: DeliveryParams, response: { 200: DeliveryDetail, ...errorResponses(403, 404) } } },
    async (req) => webhooks.getDelivery(actorOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId),
  );

  app.post(
    `${base}/:webhookId/deliveries/:deliveryId/redeliver`,
    {
      schema: {
        tags,
        summary: "Send a finished delivery again (one attempt, same X-Plinth-Delivery id)",
        params: DeliveryParams,
        response: { 202: Delivery, ...errorResponses(403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(202).send(await webhooks.redeliver(actorOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId)),
  );
}
