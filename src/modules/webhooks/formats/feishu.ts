import { createHmac } from "node:crypto";
import type { Card, Tone } from "./cards.js";

// Feishu / Lark custom bot (自定义机器人). With "签名校验" the body carries `timestamp`
// (seconds, as a string) and `sign` = base64(HMAC-SHA256 keyed with timestamp + "\n" +
// secret over an empty message).

export function feishuSign(secret: string, timestampSeconds: string): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}

const TEMPLATE: Record<Tone, string> = { info: "blue", success: "green", warning: "orange", danger: "red" };

/** An interactive message card with a coloured header, fields and one button. */
export function feishuMessage(card: Card, secret: string | null, now: Date): Record<string, unknown> {
  const elements: Record<string, unknown>[] = [];
  if (card.title) elements.push({ tag: "div", text: { tag: "lark_md", content: `**${card.title}**` } });
  if (card.fields.length > 0) {
    elements.push({ tag: "div", fields: card.fields.map((f) => ({ is_short: true, text: { tag: "lark_md", content: `**${f.label}**\n${f.value}` } })) });
  }
  if (card.quote) elements.push({ tag: "note", elements: [{ tag: "plain_text", content: card.quote }] });
  elements.push({ tag: "action", actions: [{ tag: "button", type: "primary", text: { tag: "plain_text", content: card.linkText }, url: card.link }] });
  const message = {
    msg_type: "interactive",
    card: { config: { wide_screen_mode: true }, header: { template: TEMPLATE[card.tone], title: { tag: "plain_text", content: card.heading } }, elements },
  };
  if (!secret) return message;
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { timestamp, sign: feishuSign(secret, timestamp), ...message };
}
