import type { Platform } from "../../platform/index.js";
import type { NotificationMailJobs } from "./jobs.js";
import { digestsRepo, notificationsRepo } from "./repository.js";

/** Digests go out from 09:00 China Standard Time (01:00 UTC), at the first scheduler tick. */
export const DIGEST_HOUR_UTC = 1;
// A claimed digest or an immediate e-mail still unsent after this long lost its job (a node died
// between commit and enqueue); it is queued again. Keyed jobs make a second enqueue harmless.
const STALE_MS = 10 * 60_000;
// Older ones whose job failed for good wait for an administrator (admin jobs: retry).
const SWEEP_WINDOW_MS = 24 * 3_600_000;

/**
 * The daily digest: one e-mail per user per day with their unread notifications not
 * yet e-mailed. The day's row per user is claimed with insert-on-conflict, so with
 * several cron nodes each user gets one digest.
 */
export class DailyDigests {
  constructor(
    private readonly p: Platform,
    private readonly mail: NotificationMailJobs,
  ) {}

  async run(now: Date = new Date()): Promise<{ queued: number }> {
    if (!this.mail.available || now.getUTCHours() < DIGEST_HOUR_UTC) return { queued: 0 };
    const day = now.toISOString().slice(0, 10);
    const users = await this.p.db.tx((tx) => digestsRepo.claim(tx, day));
    await this.mail.enqueueDigests(users.map((userId) => ({ userId, day })));
    return { queued: users.length };
  }

  /** Re-queues e-mails whose job was lost; returns how many. */
  async sweep(now: Date = new Date()): Promise<number> {
    if (!this.mail.available) return 0;
    const staleBefore = new Date(now.getTime() - STALE_MS).toISOString();
    const since = new Date(now.getTime() - SWEEP_WINDOW_MS).toISOString();
    const digests = await digestsRepo.stale(this.p.db, staleBefore, since, 500);
    await this.mail.enqueueDigests(digests.map((d) => ({ userId: d.user_id, day: d.day })));
    const mails = await notificationsRepo.staleUnmailed(this.p.db, staleBefore, since, 500);
    await this.mail.enqueueMail(mails);
    return digests.length + mails.length;
  }
}
