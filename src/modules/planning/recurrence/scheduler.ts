import type { Platform } from "../../../platform/index.js";
import type { RecurrencesService } from "./service.js";

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * Creates due recurring tasks on an interval (the `cron` role). Ticks never
 * overlap; series live in the database, so a stopped scheduler loses nothing and
 * several nodes share the work. Returns a stop function that waits for a running tick.
 */
export function startRecurrenceScheduler(recurrences: RecurrencesService, platform: Pick<Platform, "log">, opts: { intervalMs?: number } = {}): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = recurrences
      .createDue()
      .then((r) => {
        if (r.created + r.stopped > 0) platform.log.info(r, "recurring tasks created");
      })
      .catch((err: unknown) => platform.log.error({ err }, "recurring task tick failed"))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, opts.intervalMs ?? DEFAULT_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
