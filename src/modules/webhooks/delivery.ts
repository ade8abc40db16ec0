import type { RelayedEvent } from "../../platform/events/types.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import { isDeliverable, matchesAny } from "./filters.js";
import { cardFor } from "./formats/cards.js";
import { loadCardContext } from "./formats/context.js";
import { renderRequest, vendorRefusal } from "./formats/index.js";
import type { AttemptMetric, WebhookMetrics } from "./metrics.js";
import { deliveriesRepo, webhooksRepo, type AttemptResult, type DeliveryStatus, type DeliveryTarget } from "./repository.js";
import type { SendOutcome, WebhookSender } from "./sender.js";
import type { SubscribedTypes } from "./subscriptions.js";

export const DELIVER_JOB = "webhook.deliver";

export interface DeliverJob {
  deliveryId: string;
  /** A test ping or a manual redelivery: one attempt, sent even to a disabled webhook. */
  manual: boolean;
}

export interface DeliverySettings {
  attempts: number;
  backoffMs: number;
  disableAfter: number;
  publicUrl: string;
}

interface Verdict {
  result: AttemptResult;
  statusCode: number | null;
  error: string | null;
  snippet: string | null;
}

const SNIPPET_CHARS = 1000;
const KEEP_DELIVERIES_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;

/** PostgreSQL text cannot hold NUL; a receiver's answer may contain anything. */
const storable = (s: string, max: number): string => s.replace(/\0/g, "").slice(0, max);

/** What an attempt's outcome means for the delivery. */
function judge(outcome: SendOutcome, format: DeliveryTarget["format"]): Verdict {
  if (outcome.kind === "blocked") return { result: "blocked", statusCode: null, error: storable(outcome.error, 1000), snippet: null };
  if (outcome.kind === "error") return { result: "failed", statusCode: null, error: storable(outcome.error, 1000), snippet: null };
  const snippet = storable(outcome.body, SNIPPET_CHARS);
  if (outcome.statusCode < 200 || outcome.statusCode >= 300) return { result: "failed", statusCode: outcome.statusCode, error: `HTTP ${outcome.statusCode}`, snippet };
  const refusal = vendorRefusal(format, outcome.body);
  return { result: refusal ? "failed" : "succeeded", statusCode: outcome.statusCode, error: refusal ? storable(refusal, 1000) : null, snippet };
}

/**
 * Turns committed events into webhook deliveries and sends them: the relay runs `fanOut`
 * once per event (as a job), which records one delivery per matching active webhook and
 * enqueues one job for each; that job sends, logs every attempt and retries with
 * exponential backoff (job attempts) until success, a refused address or the last attempt.
 */
export class WebhookDeliveries {
  private lastPrune = 0;

  constructor(
    private readonly p: Platform,
    private readonly sender: WebhookSender,
    private readonly metrics: WebhookMetrics,
    private readonly subscriptions: SubscribedTypes,
    private readonly settings: DeliverySettings,
  ) {}

  /** Every node defines the job and the consumer, whichever ends up running them. */
  register(): void {
    this.p.jobs.define<DeliverJob>({
      name: DELIVER_JOB,
      attempts: this.settings.attempts,
      backoffMs: this.settings.backoffMs,
      handler: (job, ctx) => this.deliver(job, ctx.attempt),
    });
    this.p.relay.consume({
      name: "webhooks",
      accepts: (type) => isDeliverable(type) && this.subscriptions.mayWant(type),
      handle: (event) => this.fanOut(event),
    });
  }

  /** Idempotent by event id: a second run finds the deliveries made and enqueues only missing jobs. */
  async fanOut(event: RelayedEvent): Promise<void> {
    const orgId = event.orgId;
    if (!orgId || !isDeliverable(event.type)) return;
    const hooks = (await webhooksRepo.activeFor(this.p.db, orgId)).filter((h) => matchesAny(h.events, event.type));
    if (hooks.length === 0) return;
    await deliveriesRepo.insertMany(this.p.db, hooks.map((h) => ({ id: newId(), webhookId: h.id, orgId, kind: "event" as const, event })));
    const fresh = await deliveriesRepo.unattempted(this.p.db, event.id, hooks.map((h) => h.id));
    if (fresh.length === 0) return;
    // Enqueued after the deliveries committed: a job may start at once (BullMQ) and must find its row.
    await this.p.jobs.enqueueMany(fresh.map((d) => ({ name: DELIVER_JOB, data: { deliveryId: d.id, manual: false } satisfies DeliverJob, key: `${d.webhook_id}:${event.id}` })));
  }

  /** Queues one attempt of an existing delivery (test ping, manual redelivery). */
  async enqueueManual(deliveryId: string, key: string): Promise<void> {
    await this.p.jobs.enqueue(DELIVER_JOB, { deliveryId, manual: true } satisfies DeliverJob, { key });
  }

  /** One attempt; throws to have the job retried later. */
  async deliver(job: DeliverJob, jobAttempt: number): Promise<void> {
    await this.pruneSometimes();
    const d = await deliveriesRepo.target(this.p.db, job.deliveryId);
    if (!d || d.status !== "pending") return; // webhook deleted, or a duplicate job of a finished delivery
    if (!job.manual && !d.active) {
      await deliveriesRepo.abandon(this.p.db, d.id, "The webhook was disabled before this attempt");
      return;
    }
    const now = new Date();
    const card = d.format === "generic" ? undefined : cardFor(d.event, await loadCardContext(this.p.db, d.event), d.locale, this.settings.publicUrl);
    const request = renderRequest({ url: d.url, format: d.format, secret: d.secret, locale: d.locale, deliveryId: d.id, event: d.event, card, now });
    if (this.sender.closed) throw new Error("shutting down; the delivery is retried later");
    const outcome = await this.sender.send(request);
    // Cut short by our own shutdown: not logged as the receiver's failure; the job runs again.
    if (outcome.kind === "error" && this.sender.closed) throw new Error("shutting down; the delivery is retried later");
    const verdict = judge(outcome, d.format);

    const final = verdict.result !== "failed" || job.manual || jobAttempt >= this.settings.attempts;
    const nextRetryAt = final ? null : new Date(Date.now() + this.settings.backoffMs * 2 ** (jobAttempt - 1)).toISOString();
    const status: DeliveryStatus = verdict.result === "failed" && !final ? "pending" : verdict.result;
    const disabled = await this.p.db.tx(async (tx) => {
      await webhooksRepo.lockForAttempt(tx, d.webhook_id);
      await deliveriesRepo.recordAttempt(tx, d.id, { ...verdict, status, durationMs: outcome.durationMs, nextRetryAt });
      if (verdict.result === "succeeded") await webhooksRepo.countSuccess(tx, d.webhook_id);
      if (verdict.result === "succeeded" || !final) return false;
      const reason = `Disabled after ${this.settings.disableAfter} consecutive failed deliveries; the last one: ${verdict.error ?? "failed"}`;
      const streak = await webhooksRepo.countFailure(tx, d.webhook_id, this.settings.disableAfter, storable(reason, 1200));
      if (!streak?.disabled) return false;
      const who = { userId: null, ip: "internal", requestId: `webhook-delivery:${d.id}` };
      await appendAudit(tx, who, { orgId: streak.orgId, action: "webhook.disable", targetType: "webhook", targetId: d.webhook_id, changes: { failures: streak.failures, lastError: verdict.error } });
      await emitEvents(tx, null, [{ type: "webhook.disabled", orgId: streak.orgId, data: { id: d.webhook_id, failures: streak.failures } }]);
      return true;
    });
    this.metrics.attempt(metricOf(verdict.result, final));
    if (disabled) await this.subscriptions.changed();
    if (!final) throw new Error(`webhook delivery failed: ${verdict.error ?? "unknown error"}`);
  }

  private async pruneSometimes(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const pruned = await deliveriesRepo.prune(this.p.db, KEEP_DELIVERIES_DAYS);
    if (pruned > 0) this.p.log.info({ pruned }, "old webhook deliveries pruned");
  }
}

function metricOf(result: AttemptResult, final: boolean): AttemptMetric {
  if (result === "succeeded") return "success";
  if (result === "blocked") return "blocked";
  return final ? "failed" : "retry";
}
