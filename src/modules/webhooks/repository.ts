import type { Queryable, Tx } from "../../platform/db/index.js";
import type { RelayedEvent } from "../../platform/events/types.js";
import { fromMicros, micros } from "../tasks/repository.js";

export type WebhookFormat = "generic" | "dingtalk" | "feishu" | "wecom" | "slack";
export type WebhookLocale = "zh-CN" | "en";
export type DeliveryStatus = "pending" | "succeeded" | "failed" | "blocked";
export type AttemptResult = "succeeded" | "failed" | "blocked";

export interface WebhookRow {
  id: string;
  org_id: string;
  url: string;
  events: string[];
  secret: string | null;
  format: WebhookFormat;
  locale: WebhookLocale;
  active: boolean;
  consecutive_failures: number;
  disabled_reason: string | null;
  disabled_at: string | null;
  last_delivery_at: string | null;
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** Microseconds since the epoch: an exact keyset cursor (ISO strings keep only milliseconds). */
  cursor_us: number;
}

export interface WebhookFields {
  url: string;
  events: string[];
  secret: string | null;
  format: WebhookFormat;
  locale: WebhookLocale;
  active: boolean;
}

const cols = `id, org_id, url, events, secret, format, locale, active, consecutive_failures, disabled_reason, disabled_at,
  last_delivery_at, version, created_by, created_at, updated_at, ${micros("created_at")} as cursor_us`;

export const webhooksRepo = {
  async insert(tx: Tx, w: WebhookFields & { id: string; orgId: string; createdBy: string }): Promise<WebhookRow> {
    const r = await tx.query<WebhookRow>(
      `insert into webhooks (id, org_id, url, events, secret, format, locale, active, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${cols}`,
      [w.id, w.orgId, w.url, w.events, w.secret, w.format, w.locale, w.active, w.createdBy],
    );
    return r.rows[0]!;
  },

  async byId(q: Queryable, orgId: string, id: string, lock = false): Promise<WebhookRow | undefined> {
    const r = await q.query<WebhookRow>(`select ${cols} from webhooks where org_id = $1 and id = $2${lock ? " for update" : ""}`, [orgId, id]);
    return r.rows[0];
  },

  /** Oldest first, keyset on (created_at, id). */
  async page(q: Queryable, orgId: string, after: { us: number; id: string } | undefined, limit: number): Promise<WebhookRow[]> {
    const r = await q.query<WebhookRow>(
      `select ${cols} from webhooks
        where org_id = $1 and ($2::bigint is null or (created_at, id) > (${fromMicros("$2")}, $3::uuid))
        order by created_at, id limit $4`,
      [orgId, after?.us ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },

  /** Saves new fields; turning a webhook on again forgets its failure streak. */
  async update(tx: Tx, id: string, f: WebhookFields, reactivated: boolean): Promise<WebhookRow> {
    const r = await tx.query<WebhookRow>(
      `update webhooks set url = $2, events = $3, secret = $4, format = $5, locale = $6, active = $7,
         consecutive_failures = case when $8 then 0 else consecutive_failures end,
         disabled_reason = case when $7 then null else disabled_reason end,
         disabled_at = case when $7 then null else coalesce(disabled_at, now()) end,
         version = version + 1, updated_at = now()
       where id = $1 returning ${cols}`,
      [id, f.url, f.events, f.secret, f.format, f.locale, f.active, reactivated],
    );
    return r.rows[0]!;
  },

  async remove(tx: Tx, orgId: string, id: string): Promise<WebhookRow | undefined> {
    const r = await tx.query<WebhookRow>(`delete from webhooks where org_id = $1 and id = $2 returning ${cols}`, [orgId, id]);
    return r.rows[0];
  },

  /** The language a new webhook's cards default to: its creator's. */
  async localeOf(q: Queryable, userId: string): Promise<WebhookLocale> {
    const r = await q.query<{ locale: string }>("select locale from users where id = $1", [userId]);
    return r.rows[0]?.locale === "en" ? "en" : "zh-CN";
  },

  async activeFor(q: Queryable, orgId: string): Promise<Pick<WebhookRow, "id" | "events">[]> {
    const r = await q.query<Pick<WebhookRow, "id" | "events">>("select id, events from webhooks where org_id = $1 and active", [orgId]);
    return r.rows;
  },

  /** Every pattern some active webhook listens to, in any organization (the relay's quick filter). */
  async subscribedPatterns(q: Queryable): Promise<string[]> {
    const r = await q.query<{ pattern: string }>("select distinct unnest(events) as pattern from webhooks where active");
    return r.rows.map((row) => row.pattern);
  },

  /**
   * Locks the webhook before a delivery's attempt is recorded. Deleting a webhook locks it and
   * then its deliveries (the cascade); recording an attempt must take them in that same order,
   * or the two deadlock.
   */
  async lockForAttempt(tx: Tx, id: string): Promise<void> {
    await tx.query("select 1 from webhooks where id = $1 for update", [id]);
  },

  /** Counts a final failure; returns the streak, and whether this one crossed the threshold and disabled the webhook. */
  async countFailure(tx: Tx, id: string, threshold: number, reason: string): Promise<{ failures: number; disabled: boolean; orgId: string } | undefined> {
    const r = await tx.query<{ failures: number; disabled: boolean; org_id: string }>(
      `update webhooks w set consecutive_failures = w.consecutive_failures + 1, last_delivery_at = now(),
         active = w.active and w.consecutive_failures + 1 < $2,
         disabled_reason = case when w.active and w.consecutive_failures + 1 >= $2 then $3 else w.disabled_reason end,
         disabled_at = case when w.active and w.consecutive_failures + 1 >= $2 then now() else w.disabled_at end,
         version = case when w.active and w.consecutive_failures + 1 >= $2 then w.version + 1 else w.version end
       from (select id, active from webhooks where id = $1 for update) old
       where w.id = old.id
       returning w.consecutive_failures as failures, (old.active and not w.active) as disabled, w.org_id`,
      [id, threshold, reason],
    );
    const row = r.rows[0];
    return row && { failures: row.failures, disabled: row.disabled, orgId: row.org_id };
  },

  async countSuccess(tx: Tx, id: string): Promise<void> {
    await tx.query("update webhooks set consecutive_failures = 0, last_delivery_at = now() where id = $1", [id]);
  },
};

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  org_id: string;
  kind: "event" | "ping";
  event_id: string;
  event_type: string;
  event: RelayedEvent;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_retry_at: string | null;
  created_at: string;
  updated_at: string;
  cursor_us: number;
}

export interface AttemptRow {
  attempt: number;
  result: AttemptResult;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_snippet: string | null;
  next_retry_at: string | null;
  at: string;
}

/** What the delivery job needs in one read: the delivery and its webhook's current settings. */
export interface DeliveryTarget extends DeliveryRow {
  url: string;
  format: WebhookFormat;
  locale: WebhookLocale;
  secret: string | null;
  active: boolean;
}

const deliveryCols = `d.id, d.webhook_id, d.org_id, d.kind, d.event_id, d.event_type, d.event, d.status, d.attempts, d.last_status_code,
  d.last_error, d.next_retry_at, d.created_at, d.updated_at, ${micros("d.created_at")} as cursor_us`;

export const deliveriesRepo = {
  /** One pending delivery per (webhook, event); an existing one (a consumer run again) is kept. */
  async insertMany(q: Queryable, rows: { id: string; webhookId: string; orgId: string; kind: "event" | "ping"; event: RelayedEvent }[]): Promise<void> {
    await q.query(
      `insert into webhook_deliveries (id, webhook_id, org_id, kind, event_id, event_type, event)
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::jsonb[])
       on conflict (webhook_id, event_id) do nothing`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.webhookId),
        rows.map((r) => r.orgId),
        rows.map((r) => r.kind),
        rows.map((r) => r.event.id),
        rows.map((r) => r.event.type),
        rows.map((r) => JSON.stringify(r.event)),
      ],
    );
  },

  /** Deliveries of an event not yet attempted: the ones whose job may still be missing. */
  async unattempted(q: Queryable, eventId: string, webhookIds: string[]): Promise<Pick<DeliveryRow, "id" | "webhook_id">[]> {
    const r = await q.query<Pick<DeliveryRow, "id" | "webhook_id">>(
      "select id, webhook_id from webhook_deliveries where event_id = $1 and webhook_id = any($2::uuid[]) and status = 'pending' and attempts = 0",
      [eventId, webhookIds],
    );
    return r.rows;
  },

  async target(q: Queryable, id: string): Promise<DeliveryTarget | undefined> {
    const r = await q.query<DeliveryTarget>(
      `select ${deliveryCols}, w.url, w.format, w.locale, w.secret, w.active
         from webhook_deliveries d join webhooks w on w.id = d.webhook_id where d.id = $1`,
      [id],
    );
    return r.rows[0];
  },

  /** Numbers and stores one attempt, and moves the delivery to its new status; 0 when the delivery is gone. */
  async recordAttempt(
    tx: Tx,
    id: string,
    a: { status: DeliveryStatus; result: AttemptResult; statusCode: number | null; durationMs: number; error: string | null; snippet: string | null; nextRetryAt: string | null },
  ): Promise<number> {
    const r = await tx.query<{ attempts: number }>(
      `update webhook_deliveries set attempts = attempts + 1, status = $2, last_status_code = $3, last_error = $4, next_retry_at = $5, updated_at = now()
       where id = $1 returning attempts`,
      [id, a.status, a.statusCode, a.error, a.nextRetryAt],
    );
    const attempt = r.rows[0]?.attempts;
    if (attempt === undefined) return 0; // deleted with its webhook meanwhile
    await tx.query(
      `insert into webhook_delivery_attempts (delivery_id, attempt, result, status_code, duration_ms, error, response_snippet, next_retry_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, attempt, a.result, a.statusCode, a.durationMs, a.error, a.snippet, a.nextRetryAt],
    );
    return attempt;
  },

  /** A delivery that will not be attempted (its webhook was turned off meanwhile). */
  async abandon(q: Queryable, id: string, why: string): Promise<void> {
    await q.query("update webhook_deliveries set status = 'failed', last_error = $2, next_retry_at = null, updated_at = now() where id = $1 and status = 'pending'", [id, why]);
  },

  /** Newest first, keyset on (created_at, id). */
  async page(q: Queryable, webhookId: string, status: DeliveryStatus | undefined, after: { us: number; id: string } | undefined, limit: number): Promise<DeliveryRow[]> {
    const r = await q.query<DeliveryRow>(
      `select ${deliveryCols} from webhook_deliveries d
        where d.webhook_id = $1 and ($2::text is null or d.status = $2)
          and ($3::bigint is null or (d.created_at, d.id) < (${fromMicros("$3")}, $4::uuid))
        order by d.created_at desc, d.id desc limit $5`,
      [webhookId, status ?? null, after?.us ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },

  async byId(q: Queryable, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    const r = await q.query<DeliveryRow>(`select ${deliveryCols} from webhook_deliveries d where d.webhook_id = $1 and d.id = $2`, [webhookId, id]);
    return r.rows[0];
  },

  async attempts(q: Queryable, id: string): Promise<AttemptRow[]> {
    const r = await q.query<AttemptRow>(
      `select attempt, result, status_code, duration_ms, error, response_snippet, next_retry_at, at
         from webhook_delivery_attempts where delivery_id = $1 order by attempt`,
      [id],
    );
    return r.rows;
  },

  /** Puts a finished delivery back to pending for a manual redelivery; undefined when it is still pending. */
  async reopen(tx: Tx, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
    const r = await tx.query<DeliveryRow>(
      `update webhook_deliveries d set status = 'pending', next_retry_at = null, updated_at = now()
        where d.webhook_id = $1 and d.id = $2 and d.status <> 'pending' returning ${deliveryCols}`,
      [webhookId, id],
    );
    return r.rows[0];
  },

  async prune(q: Queryable, days: number): Promise<number> {
    const r = await q.query("delete from webhook_deliveries where created_at < now() - make_interval(days => $1)", [days]);
    return r.rowCount;
  },
};
