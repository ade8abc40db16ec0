import { expect } from "vitest";
import type { TestApp } from "../../../test/app.js";
import type { TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

// Helpers for the notification tests (HTTP only, plus waiting for the relay and jobs).

export interface InboxItem {
  id: string;
  type: string;
  title: string;
  body: string;
  link: string;
  readAt: string | null;
  createdAt: string;
}

export async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until every committed event is published and every job (consumers, e-mails) has run. */
export async function settle(t: TestApp): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await until("the outbox to drain", async () => {
      const { rows } = await t.platform.db.query<{ n: number }>("select count(*)::int as n from outbox_events where published_at is null");
      return rows[0]!.n === 0;
    });
    await t.platform.jobs.idle();
  }
}

export async function inbox(t: TestApp, user: TestUser, opts: { query?: string; language?: string } = {}): Promise<InboxItem[]> {
  const res = await call<{ items: InboxItem[] }>(t, "GET", `/api/v1/me/notifications${opts.query ? `?${opts.query}` : ""}`, {
    token: user.token,
    ...(opts.language ? { headers: { "accept-language": opts.language } } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

export async function unreadCount(t: TestApp, user: TestUser): Promise<number> {
  const res = await call<{ count: number }>(t, "GET", "/api/v1/me/notifications/unread-count", { token: user.token });
  expect(res.status).toBe(200);
  return res.body.count;
}

export async function setLocale(t: TestApp, user: TestUser, locale: "en" | "zh-CN"): Promise<void> {
  const res = await call(t, "PATCH", "/api/v1/me", { token: user.token, body: { locale } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function setPreferences(t: TestApp, user: TestUser, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await call<Record<string, unknown>>(t, "PUT", "/api/v1/me/notification-preferences", { token: user.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
