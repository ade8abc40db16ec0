import type { Locale } from "../../../platform/i18n.js";
import type { Rendered } from "../render.js";
import type { MailMessage } from "./mailer.js";

// E-mails in the recipient's language: a subject, a plain-text part and a simple
// HTML part in which every piece of user text is escaped.

export interface MailItem extends Rendered {
  /** Absolute URL of what the notification is about. */
  url: string;
}

const copy = {
  "zh-CN": {
    open: "查看",
    footer: "你收到这封邮件，是因为在 Plinth 中开启了邮件通知。可以在通知设置中更改。",
    digestSubject: (n: number) => `[Plinth] 每日摘要：${n} 条未读通知`,
    digestIntro: (n: number) => `你有 ${n} 条未读通知：`,
  },
  en: {
    open: "Open",
    footer: "You receive this because e-mail notifications are on in Plinth. You can change that in your notification settings.",
    digestSubject: (n: number) => `[Plinth] Daily digest: ${n} unread notification${n === 1 ? "" : "s"}`,
    digestIntro: (n: number) => `You have ${n} unread notification${n === 1 ? "" : "s"}:`,
  },
} as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

// The subject line is a header: no line breaks, and not endless.
const subjectOf = (title: string): string => `[Plinth] ${title.replace(/[\r\n]+/g, " ")}`.slice(0, 250);

const page = (locale: Locale, inner: string): string =>
  `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"></head>` +
  `<body style="font-family:-apple-system,'PingFang SC','Microsoft YaHei',Helvetica,Arial,sans-serif;font-size:14px;color:#222;line-height:1.5">` +
  `${inner}<hr style="border:none;border-top:1px solid #ddd;margin-top:24px"><p style="color:#888;font-size:12px">${escapeHtml(copy[locale].footer)}</p></body></html>`;

const itemHtml = (locale: Locale, item: MailItem): string =>
  `<p><strong>${escapeHtml(item.title)}</strong></p>` +
  (item.body ? `<p style="white-space:pre-wrap">${escapeHtml(item.body)}</p>` : "") +
  `<p><a href="${escapeHtml(item.url)}">${escapeHtml(copy[locale].open)}</a></p>`;

/** One notification as one e-mail. */
export function notificationMail(to: string, locale: Locale, item: MailItem): MailMessage {
  const c = copy[locale];
  return {
    to,
    subject: subjectOf(item.title),
    text: `${item.title}\n\n${item.body ? `${item.body}\n\n` : ""}${c.open}: ${item.url}\n\n-- \n${c.footer}\n`,
    html: page(locale, itemHtml(locale, item)),
  };
}

/** Several notifications in one e-mail. */
export function digestMail(to: string, locale: Locale, items: MailItem[]): MailMessage {
  const c = copy[locale];
  const text = items.map((i) => `- ${i.title}\n  ${i.body ? `${i.body}\n  ` : ""}${i.url}`).join("\n\n");
  return {
    to,
    subject: c.digestSubject(items.length),
    text: `${c.digestIntro(items.length)}\n\n${text}\n\n-- \n${c.footer}\n`,
    html: page(locale, `<p>${escapeHtml(c.digestIntro(items.length))}</p>${items.map((i) => itemHtml(locale, i)).join("")}`),
  };
}
