import { Gauge, type Registry } from "prom-client";
import type { Actor } from "../../platform/actor.js";
import { createBackup, listBackups, newestBackupTime, pruneBackups, type BackupSummary } from "../../platform/backup/index.js";
import type { BackupTrigger } from "../../platform/backup/manifest.js";
import { DomainError, forbidden } from "../../platform/errors.js";
import type { Platform } from "../../platform/index.js";

// Backups taken by the running server: on an admin's request (the only way to
// back up an embedded instance without stopping it) and on the cron schedule.
// One at a time per process; across cron nodes an advisory lock decides.

/** Only one cron node backs up at a time (migrations use 72_640_001). */
const SCHEDULE_LOCK = 72_640_033;
/** A failing schedule (disk full, no pg_dump) retries this often rather than every tick. */
const RETRY_AFTER_FAILURE_MS = 15 * 60_000;
/** An embedded snapshot pauses every request: back-to-back requests (a retrying script) get the last one. */
const ON_REQUEST_MIN_GAP_MS = 60_000;

export interface BackupView {
  name: string;
  status: "running" | "complete" | "failed" | "damaged";
  mode: "postgres" | "embedded";
  trigger: BackupTrigger | null;
  createdAt: string;
  sizeBytes: number | null;
  tables: number | null;
  rows: number | null;
  /** The newest migration the backup's schema has. */
  schemaVersion: string | null;
  error: string | null;
}

interface Attempt {
  name: string;
  trigger: BackupTrigger;
  startedAt: string;
  error?: string;
}

export type ScheduleOutcome = "off" | "busy" | "not_due" | "locked" | "done" | "failed";

export class BackupsService {
  private running: { attempt: Attempt; done: Promise<void> } | undefined;
  private lastFailure: Attempt | undefined;
  private lastSuccess: { name: string; at: number } | undefined;

  constructor(private readonly p: Platform) {}

  private get mode(): BackupView["mode"] {
    return this.p.config.databaseUrl ? "postgres" : "embedded";
  }

  /** Starts a backup in the background (it may outlast any HTTP timeout); 409 while one runs. */
  start(actor: Actor): BackupView {
    assertInstanceAdmin(actor);
    if (this.running) throw new DomainError("conflict", `A backup is already running (${this.running.attempt.name}, started ${this.running.attempt.startedAt})`);
    const sinceLast = this.lastSuccess ? Date.now() - this.lastSuccess.at : Infinity;
    if (sinceLast < ON_REQUEST_MIN_GAP_MS) {
      throw new DomainError("conflict", `${this.lastSuccess!.name} finished ${Math.round(sinceLast / 1000)} s ago; start another after a minute`);
    }
    return this.attemptView(this.launch("api").attempt, "running");
  }

  /** The running or last failed attempt, then the complete backups in PLINTH_BACKUP_DIR, newest first. */
  list(actor: Actor): { items: BackupView[]; nextCursor: null } {
    assertInstanceAdmin(actor);
    const items: BackupView[] = [];
    if (this.running) items.push(this.attemptView(this.running.attempt, "running"));
    else if (this.lastFailure) items.push(this.attemptView(this.lastFailure, "failed"));
    for (const b of listBackups(this.p.config.backupDir)) items.push(this.summaryView(b));
    return { items, nextCursor: null };
  }

  /**
   * One scheduler tick: backs up when the newest backup is older than the interval,
   * then keeps the newest PLINTH_BACKUP_KEEP. Backups in a shared PLINTH_BACKUP_DIR
   * count for every node, so two cron nodes do not both back up.
   */
  async runScheduled(now = new Date()): Promise<ScheduleOutcome> {
    const { backupCronHours, backupDir } = this.p.config;
    if (backupCronHours === 0) return "off";
    if (this.running) return "busy";
    if (this.lastFailure && now.getTime() - Date.parse(this.lastFailure.startedAt) < RETRY_AFTER_FAILURE_MS) return "not_due";
    // One tick of slack, so a backup due "every 24 h" does not drift a minute a day.
    const due = () => {
      const newest = newestBackupTime(backupDir);
      return !newest || now.getTime() - newest.getTime() >= backupCronHours * 3600_000 - 60_000;
    };
    if (!due()) return "not_due";
    const run = async (): Promise<ScheduleOutcome> => {
      if (!due()) return "not_due";
      await this.launch("schedule").done;
      return this.lastFailure ? "failed" : "done";
    };
    // PGlite has one process, and its transaction lock would block the snapshot itself.
    if (this.p.db.kind !== "postgres") return run();
    return this.p.db.tx(async (tx) => {
      const got = await tx.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [SCHEDULE_LOCK]);
      return got.rows[0]?.ok ? run() : "locked";
    });
  }

  /** Resolves once no backup runs in this process (shutdown waits for it). */
  async settle(): Promise<void> {
    await this.running?.done;
  }

  registerMetrics(registry: Registry): void {
    const dir = () => this.p.config.backupDir;
    new Gauge({
      name: "plinth_backup_last_success_timestamp_seconds",
      help: "Snapshot time of the newest complete backup in PLINTH_BACKUP_DIR (0 = none)",
      registers: [registry],
      collect() {
        this.set((newestBackupTime(dir())?.getTime() ?? 0) / 1000);
      },
    });
  }

  private launch(trigger: BackupTrigger): { attempt: Attempt; done: Promise<void> } {
    const { config, db, log } = this.p;
    const attempt: Attempt = { name: "", trigger, startedAt: new Date().toISOString() };
    const started = Date.now();
    const done = createBackup({ config, db, trigger, onName: (name) => (attempt.name = name) })
      .then(({ folder, manifest }) => {
        this.lastFailure = undefined;
        this.lastSuccess = { name: manifest.name, at: Date.now() };
        const removed = pruneBackups(config.backupDir, config.backupKeep);
        log.info({ folder, trigger, ms: Date.now() - started, tables: Object.keys(manifest.tables).length, pruned: removed }, "backup complete");
      })
      .catch((err: unknown) => {
        attempt.error = err instanceof Error ? err.message : String(err);
        this.lastFailure = attempt;
        log.error({ err, trigger }, "backup failed");
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = { attempt, done };
    return this.running;
  }

  private attemptView(a: Attempt, status: "running" | "failed"): BackupView {
    return { name: a.name, status, mode: this.mode, trigger: a.trigger, createdAt: a.startedAt, sizeBytes: null, tables: null, rows: null, schemaVersion: null, error: a.error ?? null };
  }

  private summaryView(b: BackupSummary): BackupView {
    const m = b.manifest;
    if (!m) return { name: b.name, status: "damaged", mode: this.mode, trigger: null, createdAt: b.createdAt, sizeBytes: null, tables: null, rows: null, schemaVersion: null, error: b.damage ?? null };
    const tables = Object.values(m.tables);
    return {
      name: b.name,
      status: "complete",
      mode: m.mode,
      trigger: m.trigger,
      createdAt: m.createdAt,
      sizeBytes: m.files.reduce((sum, f) => sum + f.bytes, 0),
      tables: tables.length,
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      schemaVersion: m.migrations.at(-1) ?? null,
      error: null,
    };
  }
}

function assertInstanceAdmin(actor: Actor): void {
  if (!actor.isInstanceAdmin) throw forbidden("Only an instance admin may take or list backups");
}
