import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";
import { EVENT_PATTERN } from "./filters.js";

const Format = Type.Union([Type.Literal("generic"), Type.Literal("dingtalk"), Type.Literal("feishu"), Type.Literal("wecom"), Type.Literal("slack")], {
  description: "generic: signed JSON event; the others: an IM robot card (DingTalk, Feishu/Lark, WeCom, Slack)",
});
const Locale = Type.Union([Type.Literal("zh-CN"), Type.Literal("en")], { description: "Language of IM cards" });
const Url = Type.String({ minLength: 1, maxLength: 2000, description: "http(s) URL; loopback, private and link-local addresses are refused" });
const Events = Type.Array(Type.String({ pattern: EVENT_PATTERN, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  description: "Event types: exact (`task.created`), a family (`task.*`) or `*` for all",
});
const Secret = Type.String({
  minLength: 1,
  maxLength: 256,
  description: "generic: HMAC key (generated when omitted); dingtalk/feishu: the robot's signing secret; not used by wecom/slack",
});

export const WebhookParams = Type.Object({ orgId: Uuid, webhookId: Uuid });
export const DeliveryParams = Type.Object({ orgId: Uuid, webhookId: Uuid, deliveryId: Uuid });

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    secret: Type.Optional(Secret),
    format: Format,
    locale: Type.Optional(Type.Union([Type.Literal("zh-CN"), Type.Literal("en")], { description: "Language of IM cards; default: your own language" })),
    active: Type.Optional(Type.Boolean({ description: "Default true" })),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    secret: Type.Optional(Nullable(Secret)),
    format: Type.Optional(Format),
    locale: Type.Optional(Locale),
    active: Type.Optional(Type.Boolean({ description: "true re-enables an auto-disabled webhook and clears its failure count" })),
  },
  { additionalProperties: false },
);

export const Webhook = Type.Object({
  id: Uuid,
  orgId: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  format: Format,
  locale: Locale,
  active: Type.Boolean(),
  hasSecret: Type.Boolean(),
  secret: Type.Optional(Type.String({ description: "Only in the answer to the create request that generated it; never shown again" })),
  consecutiveFailures: Type.Integer(),
  disabledReason: Nullable(Type.String()),
  disabledAt: Nullable(Timestamp),
  lastDeliveryAt: Nullable(Timestamp),
  version: Type.Integer(),
  createdBy: Nullable(Uuid),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const WebhookList = listOf(Webhook);
export const WebhooksQuery = Type.Object(ListQuery, { additionalProperties: false });

const Status = Type.Union([Type.Literal("pending"), Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("blocked")]);

export const Delivery = Type.Object({
  id: Uuid,
  webhookId: Uuid,
  kind: Type.Union([Type.Literal("event"), Type.Literal("ping")]),
  eventId: Uuid,
  eventType: Type.String(),
  status: Status,
  attempts: Type.Integer({ description: "Attempts made so far" }),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextRetryAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const Attempt = Type.Object({
  attempt: Type.Integer(),
  result: Type.Union([Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("blocked")]),
  statusCode: Nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  responseSnippet: Nullable(Type.String({ description: "Start of the receiver's answer" })),
  nextRetryAt: Nullable(Timestamp),
  at: Timestamp,
});

export const DeliveryDetail = Type.Object({
  ...Delivery.properties,
  event: Type.Object(
    { id: Uuid, type: Type.String(), orgId: Nullable(Uuid), projectId: Nullable(Uuid), data: Type.Record(Type.String(), Type.Unknown()), at: Timestamp },
    { description: "The event the delivery carries (the generic format sends exactly this)" },
  ),
  attemptLog: Type.Array(Attempt),
});

export const DeliveryList = listOf(Delivery);
export const DeliveriesQuery = Type.Object({ ...ListQuery, status: Type.Optional(Status) }, { additionalProperties: false });
