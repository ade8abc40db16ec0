import nodemailer from "nodemailer";
import type { Config } from "../../../config.js";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one e-mail; throws when the server refuses or cannot be reached (the job retries). */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

// A job must not hang on a dead server for nodemailer's defaults (minutes).
const TIMEOUTS = { connectionTimeout: "10000", greetingTimeout: "10000", socketTimeout: "30000" };

/** SMTP through nodemailer from PLINTH_SMTP_URL; undefined when e-mail is not configured. */
export function createMailer(config: Pick<Config, "smtpUrl" | "mailFrom">): Mailer | undefined {
  if (!config.smtpUrl) return undefined;
  const url = new URL(config.smtpUrl);
  for (const [k, v] of Object.entries(TIMEOUTS)) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  const transport = nodemailer.createTransport(url.toString(), { from: config.mailFrom });
  return {
    async send(m) {
      await transport.sendMail({ to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close: () => transport.close(),
  };
}
