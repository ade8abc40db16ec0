import { startInterval } from "../../platform/interval.js";
import type { Platform } from "../../platform/index.js";
import type { BackupsService } from "./service.js";

// Checking is a directory listing, so once a minute is cheap; the backup itself
// runs only when the newest one is PLINTH_BACKUP_CRON_HOURS old.
const CHECK_INTERVAL_MS = 60_000;

/** Scheduled backups on a `cron` node; undefined when PLINTH_BACKUP_CRON_HOURS is 0. */
export function startBackupScheduler(backups: BackupsService, platform: Pick<Platform, "config" | "log">): (() => Promise<void>) | undefined {
  if (platform.config.backupCronHours === 0) return undefined;
  return startInterval("backup schedule", CHECK_INTERVAL_MS, platform.log, () => backups.runScheduled());
}
