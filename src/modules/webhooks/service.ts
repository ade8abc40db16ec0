import type { Registry } from "prom-client";
import type { Actor } from "../../platform/actor.js";
import { AllowList } from "../../platform/addresses.js";
import { cursorIs, decodeCursor, pageOf } from "../../platform/cursor.js";
import type { RelayedEvent } from "../../platform/events/types.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { newId, newSecret } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { diff } from "../../platform/diff.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import type { OrgsService } from "../orgs/service.js";
import { WebhookDeliveries } from "./delivery.js";
import { PING_EVENT } from "./filters.js";
import { SIGNING_FORMATS } from "./formats/index.js";
import { WebhookMetrics } from "./metrics.js";
import {
  deliveriesRepo,
  webhooksRepo,
  type AttemptRow,
  type DeliveryRow,
  type DeliveryStatus,
  type WebhookFields,
  type WebhookFormat,
  type WebhookLocale,
  type WebhookRow,
} from "./repository.js";
import { WebhookSender } from "./sender.js";
import { SubscribedTypes } from "./subscriptions.js";
import { checkTargetUrl } from "./target.js";

export interface CreateWebhookInput {
  url: string;
  events: string[];
  secret?: string;
  format: WebhookFormat;
  locale?: WebhookLocale;
  active?: boolean;
}

export type UpdateWebhookInput = Partial<Omit<CreateWebhookInput, "secret">> & { secret?: string | null };

const toWebhook = (w: WebhookRow) => ({
  id: w.id,
  orgId: w.org_id,
  url: w.url,
  events: w.events,
  format: w.format,
  locale: w.locale,
  active: w.active,
  hasSecret: w.secret !== null,
  consecutiveFailures: w.consecutive_failures,
  disabledReason: w.disabled_reason,
  disabledAt: w.disabled_at,
  lastDeliveryAt: w.last_delivery_at,
  version: w.version,
  createdBy: w.created_by,
  createdAt: w.created_at,
  updatedAt: w.updated_at,
});

const toDelivery = (d: DeliveryRow) => ({
  id: d.id,
  webhookId: d.webhook_id,
  kind: d.kind,
  eventId: d.event_id,
  eventType: d.event_type,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.last_status_code,
  lastError: d.last_error,
  nextRetryAt: d.next_retry_at,
  createdAt: d.created_at,
  updatedAt: d.updated_at,
});

const toAttempt = (a: AttemptRow) => ({
  attempt: a.attempt,
  result: a.result,
  statusCode: a.status_code,
  durationMs: a.duration_ms,
  error: a.error,
  responseSnippet: a.response_snippet,
  nextRetryAt: a.next_retry_at,
  at: a.at,
});

/** What audit records and events say about a webhook: never the secret, nor the URL (IM robot URLs carry tokens). */
const summary = (f: WebhookFields) => ({ host: new URL(f.url).host, format: f.format, events: f.events, locale: f.locale, active: f.active });

/** Organization webhooks (owner/admin only): settings, delivery log, test pings and redeliveries. */
export class WebhooksService {
  private readonly metrics = new WebhookMetrics();
  private readonly allow: AllowList;
  private readonly sender: WebhookSender;
  private readonly subscriptions: SubscribedTypes;
  readonly deliveries: WebhookDeliveries;

  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {
    const c = p.config;
    this.allow = new AllowList(c.webhookAllowHosts);
    this.sender = new WebhookSender(this.allow, c.webhookTimeoutMs);
    this.subscriptions = new SubscribedTypes(p.db, p.bus, p.log);
    this.deliveries = new WebhookDeliveries(p, this.sender, this.metrics, this.subscriptions, {
      attempts: c.webhookAttempts,
      backoffMs: c.webhookBackoffMs,
      disableAfter: c.webhookDisableAfter,
      publicUrl: c.publicUrl,
    });
    this.deliveries.register();
  }

  registerMetrics(registry: Registry): void {
    this.metrics.registerOn(registry);
  }

  /** Aborts deliveries in flight (their jobs are retried elsewhere) and stops listening for changes. */
  async close(): Promise<void> {
    await this.subscriptions.close();
    await this.sender.close();
  }

  async create(actor: Actor, orgId: string, input: CreateWebhookInput) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    const url = checkTargetUrl(input.url, this.allow);
    assertSecretFits(input.format, input.secret);
    const generated = input.secret === undefined && input.format === "generic" ? newSecret("whsec") : undefined;
    const fields: WebhookFields = {
      url,
      events: input.events,
      secret: input.secret ?? generated ?? null,
      format: input.format,
      locale: input.locale ?? (await webhooksRepo.localeOf(this.p.db, actor.userId)),
      active: input.active ?? true,
    };
    const row = await this.p.db.tx(async (tx) => {
      const w = await webhooksRepo.insert(tx, { ...fields, id: newId(), orgId, createdBy: actor.userId });
      await appendAudit(tx, actor, { orgId, action: "webhook.create", targetType: "webhook", targetId: w.id, changes: summary(fields) });
      await emitEvents(tx, actor.userId, [{ type: "webhook.created", orgId, data: { id: w.id, format: w.format, active: w.active } }]);
      return w;
    });
    await this.subscriptions.changed();
    return { ...toWebhook(row), ...(generated ? { secret: generated } : {}) };
  }

  async list(actor: Actor, orgId: string, q: { limit: number; cursor?: string }) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    const c = decodeCursor(q.cursor, 2, [isMicros, cursorIs.uuid]);
    const after = c ? { us: Number(c[0]), id: String(c[1]) } : undefined;
    const rows = await webhooksRepo.page(this.p.db, orgId, after, q.limit + 1);
    return pageOf(rows, q.limit, (w) => [w.cursor_us, w.id], toWebhook);
  }

  async get(actor: Actor, orgId: string, webhookId: string) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    return toWebhook(await this.load(orgId, webhookId));
  }

  async update(actor: Actor, orgId: string, webhookId: string, input: UpdateWebhookInput, expectedVersion?: number) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    const url = input.url === undefined ? undefined : checkTargetUrl(input.url, this.allow);
    const row = await this.p.db.tx(async (tx) => {
      const current = await webhooksRepo.byId(tx, orgId, webhookId, true);
      if (!current) throw notFound("Webhook");
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new DomainError("version_conflict", `The webhook is at version ${current.version}, not ${expectedVersion}`);
      }
      const format = input.format ?? current.format;
      assertSecretFits(format, input.secret ?? undefined);
      const next: WebhookFields = {
        url: url ?? current.url,
        events: input.events ?? current.events,
        // Robots that do not sign drop a secret they cannot use.
        secret: SIGNING_FORMATS.includes(format) ? (input.secret === undefined ? current.secret : input.secret) : null,
        format,
        locale: input.locale ?? current.locale,
        active: input.active ?? current.active,
      };
      const saved = await webhooksRepo.update(tx, webhookId, next, !current.active && next.active);
      const changes: Record<string, unknown> = diff(summary(current), summary(next));
      if (next.url !== current.url) changes.url = "changed";
      if (next.secret !== current.secret) changes.secret = next.secret === null ? "removed" : "changed";
      await appendAudit(tx, actor, { orgId, action: "webhook.update", targetType: "webhook", targetId: webhookId, changes });
      await emitEvents(tx, actor.userId, [{ type: "webhook.updated", orgId, data: { id: webhookId, format: saved.format, active: saved.active } }]);
      return saved;
    });
    await this.subscriptions.changed();
    return toWebhook(row);
  }

  async remove(actor: Actor, orgId: string, webhookId: string): Promise<void> {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    await this.p.db.tx(async (tx) => {
      const gone = await webhooksRepo.remove(tx, orgId, webhookId);
      if (!gone) throw notFound("Webhook");
      await appendAudit(tx, actor, { orgId, action: "webhook.delete", targetType: "webhook", targetId: webhookId, changes: summary(gone) });
      await emitEvents(tx, actor.userId, [{ type: "webhook.deleted", orgId, data: { id: webhookId } }]);
    });
    await this.subscriptions.changed();
  }

  /** Sends a `webhook.ping` now (one attempt, even to a disabled webhook); the answer shows in the delivery log. */
  async ping(actor: Actor, orgId: string, webhookId: string) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    const hook = await this.load(orgId, webhookId);
    const event: RelayedEvent = {
      id: newId(),
      seq: "0",
      type: PING_EVENT,
      orgId,
      projectId: null,
      data: { webhookId: hook.id, events: hook.events },
      actorId: actor.userId,
      at: new Date().toISOString(),
    };
    const id = newId();
    await deliveriesRepo.insertMany(this.p.db, [{ id, webhookId, orgId, kind: "ping", event }]);
    await this.deliveries.enqueueManual(id, `ping:${id}`);
    return toDelivery((await deliveriesRepo.byId(this.p.db, webhookId, id))!);
  }

  async listDeliveries(actor: Actor, orgId: string, webhookId: string, q: { limit: number; cursor?: string; status?: DeliveryStatus }) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    await this.load(orgId, webhookId);
    const c = decodeCursor(q.cursor, 2, [isMicros, cursorIs.uuid]);
    const after = c ? { us: Number(c[0]), id: String(c[1]) } : undefined;
    const rows = await deliveriesRepo.page(this.p.db, webhookId, q.status, after, q.limit + 1);
    return pageOf(rows, q.limit, (d) => [d.cursor_us, d.id], toDelivery);
  }

  async getDelivery(actor: Actor, orgId: string, webhookId: string, deliveryId: string) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    await this.load(orgId, webhookId);
    const d = await deliveriesRepo.byId(this.p.db, webhookId, deliveryId);
    if (!d) throw notFound("Delivery");
    const e = d.event;
    const attemptLog = (await deliveriesRepo.attempts(this.p.db, d.id)).map(toAttempt);
    return { ...toDelivery(d), event: { id: e.id, type: e.type, orgId: e.orgId, projectId: e.projectId, data: e.data, at: e.at }, attemptLog };
  }

  /** Sends a finished delivery once more, with the same X-Plinth-Delivery id (receivers dedupe by it). */
  async redeliver(actor: Actor, orgId: string, webhookId: string, deliveryId: string) {
    await this.orgs.authorize(actor, orgId, "webhooks.manage");
    await this.load(orgId, webhookId);
    const reopened = await this.p.db.tx((tx) => deliveriesRepo.reopen(tx, webhookId, deliveryId));
    if (!reopened) {
      if (await deliveriesRepo.byId(this.p.db, webhookId, deliveryId)) throw new DomainError("conflict", "This delivery is still being attempted; redeliver it once it has finished");
      throw notFound("Delivery");
    }
    await this.deliveries.enqueueManual(deliveryId, `redeliver:${deliveryId}:${reopened.attempts}`);
    return toDelivery(reopened);
  }

  private async load(orgId: string, webhookId: string): Promise<WebhookRow> {
    const w = await webhooksRepo.byId(this.p.db, orgId, webhookId);
    if (!w) throw notFound("Webhook");
    return w;
  }
}

function assertSecretFits(format: WebhookFormat, secret: string | undefined): void {
  if (secret !== undefined && !SIGNING_FORMATS.includes(format)) {
    const message = `${format === "wecom" ? "WeCom" : "Slack"} robots do not sign messages (the key in the URL is the credential); leave out the secret`;
    throw new DomainError("unprocessable", message, { errors: [{ path: "body.secret", message }] });
  }
}

const isMicros = (v: string | number | null): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
