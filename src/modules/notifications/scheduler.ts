import { startInterval } from "../../platform/interval.js";
import type { Platform } from "../../platform/index.js";
import type { NotificationsService } from "./service.js";

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * Due-date reminders and daily digests on an interval (the `cron` role), plus a
 * sweep for e-mails whose job was lost. Claims live in the database, so any
 * number of cron nodes may run this; ticks on one node never overlap.
 */
export function startNotificationScheduler(notifications: NotificationsService, platform: Pick<Platform, "log">, opts: { intervalMs?: number } = {}): () => Promise<void> {
  return startInterval("notification", opts.intervalMs ?? DEFAULT_INTERVAL_MS, platform.log, async () => {
    const now = new Date();
    const { reminded } = await notifications.reminders.run(now);
    const { queued } = await notifications.digests.run(now);
    const requeued = await notifications.digests.sweep(now);
    if (reminded + queued + requeued > 0) platform.log.info({ reminded, digests: queued, requeued }, "notification schedule ran");
  });
}
