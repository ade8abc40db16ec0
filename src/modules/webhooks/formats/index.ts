import type { RelayedEvent } from "../../../platform/events/types.js";
import type { WebhookFormat, WebhookLocale } from "../repository.js";
import type { OutboundRequest } from "../sender.js";
import type { Card } from "./cards.js";
import { dingtalkMessage, dingtalkSignedUrl } from "./dingtalk.js";
import { feishuMessage } from "./feishu.js";
import { genericBody, genericSignature } from "./generic.js";
import { slackMessage } from "./slack.js";
import { wecomMessage } from "./wecom.js";

export interface RenderInput {
  url: string;
  format: WebhookFormat;
  secret: string | null;
  locale: WebhookLocale;
  deliveryId: string;
  event: RelayedEvent;
  /** The IM card; the generic format sends the event itself. */
  card: Card | undefined;
  now: Date;
}

/** Formats that take a secret: generic (HMAC header), DingTalk (signed URL) and Feishu (signed body). */
export const SIGNING_FORMATS: readonly WebhookFormat[] = ["generic", "dingtalk", "feishu"];

/** The HTTP request of one delivery attempt (a fresh timestamp and signature each time). */
export function renderRequest(input: RenderInput): OutboundRequest {
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "user-agent": "Plinth-Webhook/1",
    "x-plinth-event": input.event.type,
    "x-plinth-delivery": input.deliveryId,
  };
  if (input.format === "generic") {
    const body = genericBody(input.event);
    const timestamp = String(Math.floor(input.now.getTime() / 1000));
    headers["x-plinth-timestamp"] = timestamp;
    if (input.secret) headers["x-plinth-signature"] = genericSignature(input.secret, timestamp, body);
    return { url: input.url, headers, body };
  }
  const card = input.card!;
  switch (input.format) {
    case "dingtalk":
      return { url: dingtalkSignedUrl(input.url, input.secret, input.now), headers, body: JSON.stringify(dingtalkMessage(card)) };
    case "feishu":
      return { url: input.url, headers, body: JSON.stringify(feishuMessage(card, input.secret, input.now)) };
    case "wecom":
      return { url: input.url, headers, body: JSON.stringify(wecomMessage(card)) };
    case "slack":
      return { url: input.url, headers, body: JSON.stringify(slackMessage(card)) };
  }
}

function json(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * IM robots answer HTTP 200 with an error code in the body when they refuse a message
 * (bad signature, keyword filter, rate limit): that is a failed delivery too.
 */
export function vendorRefusal(format: WebhookFormat, body: string): string | undefined {
  if (format === "generic" || format === "slack") return undefined;
  const r = json(body);
  if (!r) return undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  if (format === "feishu") {
    const code = r.code ?? r.StatusCode;
    return typeof code === "number" && code !== 0 ? `Feishu refused the message: ${code} ${text(r.msg ?? r.StatusMessage)}`.trim() : undefined;
  }
  const vendor = format === "dingtalk" ? "DingTalk" : "WeCom";
  return typeof r.errcode === "number" && r.errcode !== 0 ? `${vendor} refused the message: ${r.errcode} ${text(r.errmsg)}`.trim() : undefined;
}
