import type { Card, Tone } from "./cards.js";

// WeCom group robot (企业微信群机器人): the key in the URL is the credential; no signing.
// Markdown messages are limited to 4096 bytes.

const COLOR: Record<Tone, string> = { info: "info", success: "info", warning: "warning", danger: "warning" };
const MAX_BYTES = 4096;
const line = (s: string) => s.replace(/\s*\n\s*/g, " ");

export function wecomMessage(card: Card): Record<string, unknown> {
  const head = [
    `### <font color="${COLOR[card.tone]}">${line(card.heading)}</font>`,
    card.title ? `**${line(card.title)}**` : "",
    ...card.fields.map((f) => `> ${f.label}：<font color="comment">${line(f.value)}</font>`),
  ].filter(Boolean);
  const link = `[${card.linkText}](${card.link})`;
  let quote = card.quote ? card.quote.split("\n").map((l) => `> ${l}`).join("\n") : "";
  const build = () => [...head, quote, link].filter(Boolean).join("\n");
  while (quote && Buffer.byteLength(build()) > MAX_BYTES) quote = `${quote.slice(0, Math.floor(quote.length * 0.8))}…`;
  return { msgtype: "markdown", markdown: { content: build() } };
}
