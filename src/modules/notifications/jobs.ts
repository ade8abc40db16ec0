import type { Platform } from "../../platform/index.js";
import type { Mailer } from "./mail/mailer.js";
import { digestMail, notificationMail, type MailItem } from "./mail/templates.js";
import { localeOf, render } from "./render.js";
import { digestsRepo, notificationsRepo, type MailRow } from "./repository.js";

export const MAIL_JOB = "notifications.mail";
export const DIGEST_JOB = "notifications.digest";

interface MailJob {
  notificationId: string;
}
interface DigestJob {
  userId: string;
  day: string;
}

const DIGEST_MAX_ITEMS = 50;

/**
 * E-mail jobs: one per immediate notification, one per user per day for the digest.
 * Jobs are keyed, so enqueuing twice sends once; a job that runs twice (a crash
 * after sending) checks what was already sent first. SMTP never runs inside a
 * database transaction.
 */
export class NotificationMailJobs {
  constructor(
    private readonly p: Platform,
    private readonly mailer: Mailer | undefined,
  ) {
    p.jobs.define<MailJob>({ name: MAIL_JOB, attempts: 8, backoffMs: 5_000, handler: (job) => this.sendOne(job.notificationId) });
    p.jobs.define<DigestJob>({ name: DIGEST_JOB, attempts: 8, backoffMs: 30_000, handler: (job) => this.sendDigest(job.userId, job.day) });
  }

  get available(): boolean {
    return this.mailer !== undefined;
  }

  /** Queues the immediate e-mails of a source that have not gone out (safe to call again after a crash). */
  async enqueueUnmailed(sourceId: string): Promise<void> {
    if (!this.mailer) return;
    await this.enqueueMail(await notificationsRepo.unmailedOf(this.p.db, sourceId));
  }

  async enqueueMail(ids: string[]): Promise<void> {
    if (!this.mailer || ids.length === 0) return;
    await this.p.jobs.enqueueMany(ids.map((id) => ({ name: MAIL_JOB, data: { notificationId: id } satisfies MailJob, key: `notification-mail:${id}` })));
    this.p.jobs.wake();
  }

  async enqueueDigests(jobs: DigestJob[]): Promise<void> {
    if (!this.mailer || jobs.length === 0) return;
    await this.p.jobs.enqueueMany(jobs.map((j) => ({ name: DIGEST_JOB, data: j, key: `notification-digest:${j.userId}:${j.day}` })));
    this.p.jobs.wake();
  }

  private async sendOne(notificationId: string): Promise<void> {
    if (!this.mailer) return;
    const row = await notificationsRepo.forMail(this.p.db, notificationId);
    if (!row || row.emailed_at !== null) return;
    const locale = localeOf(row.locale);
    await this.mailer.send(notificationMail(row.email, locale, this.item(row)));
    await notificationsRepo.markEmailed(this.p.db, [row.id]);
  }

  private async sendDigest(userId: string, day: string): Promise<void> {
    if (!this.mailer) return;
    if ((await digestsRepo.isSent(this.p.db, userId, day)) !== false) return;
    const rows = await digestsRepo.items(this.p.db, userId, DIGEST_MAX_ITEMS);
    const first = rows[0];
    if (first) await this.mailer.send(digestMail(first.email, localeOf(first.locale), rows.map((r) => this.item(r))));
    await this.p.db.tx(async (tx) => {
      await notificationsRepo.markEmailed(tx, rows.map((r) => r.id));
      await digestsRepo.markSent(tx, userId, day);
    });
  }

  private item(row: MailRow): MailItem {
    return { ...render(row.type, row.params, localeOf(row.locale)), url: `${this.p.config.publicUrl}${row.link}` };
  }
}
