import type { Card } from "./cards.js";

// Slack incoming webhook: the URL is the credential; no signing. Block Kit message
// with a plain-text fallback for notifications.

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackMessage(card: Card): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [{ type: "header", text: { type: "plain_text", text: card.heading.slice(0, 150) } }];
  const section: Record<string, unknown> = { type: "section", text: { type: "mrkdwn", text: card.title ? `*${esc(card.title)}*` : " " } };
  if (card.fields.length > 0) section.fields = card.fields.slice(0, 10).map((f) => ({ type: "mrkdwn", text: `*${esc(f.label)}*\n${esc(f.value)}`.slice(0, 2000) }));
  blocks.push(section);
  if (card.quote) blocks.push({ type: "section", text: { type: "mrkdwn", text: card.quote.split("\n").map((l) => `>${esc(l)}`).join("\n").slice(0, 3000) } });
  blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: card.linkText }, url: card.link }] });
  return { text: `${card.heading}: ${card.title}`, blocks };
}
