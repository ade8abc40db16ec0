import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Config } from "../../config.js";
import type { Database } from "../db/index.js";
import { migrationsDir } from "../db/migrate.js";
import { openPglite, type PgliteDatabase } from "../db/pglite.js";
import { hasEmbeddedDatabase, restorePglite, snapshotPglite } from "./embedded.js";
import {
  BACKUP_NAME_RE,
  BackupError,
  backupName,
  backupTime,
  describeFiles,
  FORMAT,
  FORMAT_VERSION,
  listFiles,
  MANIFEST,
  readManifest,
  readVerifiedManifest,
  writeManifest,
  type BackupTrigger,
  type Manifest,
} from "./manifest.js";
import { dumpPostgres, restorePostgres } from "./postgres.js";

// `plinth backup` / `plinth restore`, the admin endpoint and the cron schedule
// all come through here. A backup is written into a hidden `.partial` folder
// and renamed when complete, so every plinth-backup-* folder is a whole one.

export { BackupError, type Manifest } from "./manifest.js";

const plinthVersion = (() => {
  try {
    return (JSON.parse(readFileSync(join(dirname(migrationsDir), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
})();

/** Attachments and other local files live here in both modes. */
const filesDir = (config: Config) => join(config.dataDir, "files");
const embeddedDbDir = (config: Config) => join(config.dataDir, "db");

function reserveName(root: string, at: Date): string {
  const base = backupName(at);
  let name = base;
  for (let n = 2; existsSync(join(root, name)) || existsSync(join(root, `.${name}.partial`)); n++) name = `${base}-${n}`;
  return name;
}

export interface CreateBackupOptions {
  config: Config;
  trigger: BackupTrigger;
  /** The running server's database; without it the embedded database is opened from PLINTH_DATA_DIR (the caller holds its lock). */
  db?: Database;
  /** Folder to write into instead of PLINTH_BACKUP_DIR. */
  outDir?: string;
  /** Told the folder name as soon as it is chosen. */
  onName?: (name: string) => void;
}

/** Takes a backup; resolves with its folder and manifest once it is complete on disk. */
export async function createBackup(opts: CreateBackupOptions): Promise<{ folder: string; manifest: Manifest }> {
  const { config } = opts;
  const root = resolve(opts.outDir ?? config.backupDir);
  mkdirSync(root, { recursive: true });
  const createdAt = new Date();
  const name = reserveName(root, createdAt);
  opts.onName?.(name);
  const partial = join(root, `.${name}.partial`);
  mkdirSync(partial);
  try {
    const snapshot = config.databaseUrl ? await dumpPostgres(config.databaseUrl, partial) : await snapshotEmbedded(config, opts.db, partial);
    if (existsSync(filesDir(config))) cpSync(filesDir(config), join(partial, "files"), { recursive: true });
    const files = await describeFiles(partial, [snapshot.database.file, ...listFiles(join(partial, "files")).map((p) => `files/${p}`)]);
    const manifest = writeManifest(partial, {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      name,
      mode: config.databaseUrl ? "postgres" : "embedded",
      trigger: opts.trigger,
      createdAt: createdAt.toISOString(),
      plinthVersion,
      ...snapshot,
      files,
    });
    const folder = join(root, name);
    renameSync(partial, folder);
    return { folder, manifest };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

async function snapshotEmbedded(config: Config, live: Database | undefined, folder: string) {
  if (live) {
    if (live.kind !== "pglite" || !("raw" in live)) throw new BackupError("the running database is not an embedded one");
    return snapshotPglite((live as PgliteDatabase).raw, folder);
  }
  const dir = embeddedDbDir(config);
  if (!hasEmbeddedDatabase(dir)) throw new BackupError(`there is no embedded database in ${dir} (set PLINTH_DATA_DIR, or DATABASE_URL for PostgreSQL)`);
  const db = await openPglite({ dataDir: dir });
  try {
    return await snapshotPglite(db.raw, folder);
  } finally {
    await db.close();
  }
}

/** A backup folder's path from what the operator typed: the folder or its manifest.json. */
export function backupFolder(from: string): string {
  const full = resolve(from);
  return basename(full) === MANIFEST ? dirname(full) : full;
}

const stampOf = (at: Date) => at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

export interface RestoreResult {
  manifest: Manifest;
  /** Where the replaced embedded database and files folder were moved. */
  movedAside: string[];
}

/**
 * Verifies the backup, then replaces the database (and files) with it and proves
 * the tables match the manifest. The caller runs migrations afterwards and, in
 * embedded mode, holds the data folder lock.
 */
export async function restoreBackup(config: Config, from: string, opts: { force: boolean }): Promise<RestoreResult> {
  const folder = backupFolder(from);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new BackupError(`${folder} is not a folder`);
  const manifest = await readVerifiedManifest(folder);
  const movedAside: string[] = [];
  const stamp = stampOf(new Date());
  if (config.databaseUrl) {
    if (manifest.mode !== "postgres") throw new BackupError(`${manifest.name} is an embedded (PGlite) backup: restore it with DATABASE_URL unset`);
    await restorePostgres(config.databaseUrl, folder, manifest, opts);
  } else {
    if (manifest.mode !== "embedded") throw new BackupError(`${manifest.name} is a PostgreSQL backup: restore it with DATABASE_URL set to the target database`);
    const result = await restorePglite(embeddedDbDir(config), folder, manifest, { ...opts, stamp });
    if (result.movedAside) movedAside.push(result.movedAside);
  }
  if (manifest.files.some((f) => f.path.startsWith("files/"))) {
    const target = filesDir(config);
    if (existsSync(target)) {
      movedAside.push(`${target}.before-restore-${stamp}`);
      renameSync(target, movedAside.at(-1)!);
    }
    cpSync(join(folder, "files"), target, { recursive: true });
  }
  return { manifest, movedAside };
}

export interface BackupSummary {
  name: string;
  createdAt: string;
  manifest?: Manifest;
  /** Why the manifest could not be read. */
  damage?: string;
}

/** Complete backups in root, newest first (same-second ones by their -N suffix). */
export function listBackups(root: string): BackupSummary[] {
  if (!existsSync(root)) return [];
  const names = readdirSync(root).filter((n) => BACKUP_NAME_RE.test(n));
  const suffix = (n: string) => Number(BACKUP_NAME_RE.exec(n)?.[2] ?? 1);
  names.sort((a, b) => backupTime(b)!.getTime() - backupTime(a)!.getTime() || suffix(b) - suffix(a));
  return names.map((name) => {
    const createdAt = backupTime(name)!.toISOString();
    try {
      return { name, createdAt, manifest: readManifest(join(root, name)) };
    } catch (err) {
      return { name, createdAt, damage: (err as Error).message };
    }
  });
}

/** The snapshot time of the newest complete backup in root. */
export function newestBackupTime(root: string): Date | undefined {
  if (!existsSync(root)) return undefined;
  const times = readdirSync(root).map(backupTime).filter((t): t is Date => t !== undefined);
  return times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : undefined;
}

const ABANDONED_PARTIAL_MS = 24 * 3600_000;

/** Deletes all but the newest `keep` backups (and day-old unfinished ones); returns what went. */
export function pruneBackups(root: string, keep: number): string[] {
  if (!existsSync(root)) return [];
  const removed = listBackups(root).slice(keep).map((b) => b.name);
  for (const name of removed) rmSync(join(root, name), { recursive: true, force: true });
  for (const name of readdirSync(root).filter((n) => /^\.plinth-backup-.*\.partial$/.test(n))) {
    if (Date.now() - statSync(join(root, name)).mtimeMs > ABANDONED_PARTIAL_MS) rmSync(join(root, name), { recursive: true, force: true });
  }
  return removed;
}
