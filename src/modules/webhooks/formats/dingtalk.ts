import { createHmac } from "node:crypto";
import type { Card } from "./cards.js";

// DingTalk group robot (自定义机器人). With "加签" the URL carries `timestamp` (ms) and
// `sign` = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-encoded.

export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
}

export function dingtalkSignedUrl(url: string, secret: string | null, now: Date): string {
  if (!secret) return url;
  const signed = new URL(url);
  const timestamp = String(now.getTime());
  signed.searchParams.set("timestamp", timestamp);
  signed.searchParams.set("sign", dingtalkSign(secret, timestamp));
  return signed.href;
}

const line = (s: string) => s.replace(/\s*\n\s*/g, " ");

/** An actionCard: markdown text and one button back to Plinth. */
export function dingtalkMessage(card: Card): Record<string, unknown> {
  const text = [
    `### ${line(card.heading)}`,
    card.title ? `**${line(card.title)}**` : "",
    ...card.fields.map((f) => `- ${f.label}：${line(f.value)}`),
    card.quote ? card.quote.split("\n").map((l) => `> ${l}`).join("\n") : "",
  ].filter(Boolean);
  return {
    msgtype: "actionCard",
    actionCard: {
      title: line(`${card.heading}: ${card.title}`).slice(0, 100),
      text: text.join("\n\n"),
      singleTitle: card.linkText,
      singleURL: card.link,
      btnOrientation: "0",
    },
  };
}
