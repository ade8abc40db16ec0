import { startInterval } from "../../../platform/interval.js";
import type { Platform } from "../../../platform/index.js";
import type { RecurrencesService } from "./service.js";

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * Creates due recurring tasks on an interval (the `cron` role). Ticks never
 * overlap; series live in the database, so a stopped scheduler loses nothing and
 * several nodes share the work. Returns a stop function that waits for a running tick.
 */
export function startRecurrenceScheduler(recurrences: RecurrencesService, platform: Pick<Platform, "log">, opts: { intervalMs?: number } = {}): () => Promise<void> {
  return startInterval("recurring task", opts.intervalMs ?? DEFAULT_INTERVAL_MS, platform.log, async () => {
    const r = await recurrences.createDue();
    if (r.created + r.stopped > 0) platform.log.info(r, "recurring tasks created");
  });
}
