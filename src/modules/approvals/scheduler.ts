import { startInterval } from "../../platform/interval.js";
import type { Platform } from "../../platform/index.js";
import type { ApprovalsService } from "./service.js";

const DEFAULT_INTERVAL_MS = 15_000;

/**
 * Fires due approval timeouts on an interval (the `cron` role). Ticks never
 * overlap; timeouts live in the database, so a stopped or crashed scheduler
 * loses none: the next one picks them up. Returns a stop function that waits
 * for a running tick.
 */
export function startApprovalScheduler(services: { approvals: ApprovalsService }, platform: Pick<Platform, "log">, opts: { intervalMs?: number } = {}): () => Promise<void> {
  return startInterval("approval timeout", opts.intervalMs ?? DEFAULT_INTERVAL_MS, platform.log, async () => {
    const r = await services.approvals.fireDueTimeouts();
    if (r.fired + r.failed > 0) platform.log.info(r, "approval timeouts fired");
  });
}
