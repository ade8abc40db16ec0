import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { TableStats } from "./stats.js";

// A backup is a folder: the database file, a copy of PLINTH_DATA_DIR/files when
// there is one, and manifest.json describing and checksumming all of it. The
// manifest is sealed with a hash of itself, so an edited or truncated manifest
// is refused as surely as a damaged database file.

export const MANIFEST = "manifest.json";
export const FORMAT = "plinth-backup";
export const FORMAT_VERSION = 1;

/** plinth-backup-20260105T031500Z, with -2, -3 ... when two start in the same second. */
export const BACKUP_NAME_RE = /^plinth-backup-(\d{8}T\d{6}Z)(?:-(\d+))?$/;

export type BackupMode = "postgres" | "embedded";
export type BackupTrigger = "cli" | "api" | "schedule";

export interface BackupFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  name: string;
  mode: BackupMode;
  trigger: BackupTrigger;
  createdAt: string;
  plinthVersion: string;
  /** schema_migrations at the moment of the snapshot, in order. */
  migrations: string[];
  database: {
    file: string;
    format: "pg_dump-custom" | "pglite-datadir-tar-gz";
    serverVersion: string;
    serverMajor: number;
    tool: string;
  };
  /** Every table of the public schema: row count and an order-independent checksum of its rows. */
  tables: Record<string, TableStats>;
  files: BackupFile[];
  seal: string;
}

export class BackupError extends Error {}

export function backupName(at: Date): string {
  return `plinth-backup-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

/** The snapshot time a backup's folder name carries, or undefined for a foreign folder. */
export function backupTime(name: string): Date | undefined {
  const m = BACKUP_NAME_RE.exec(name);
  if (!m) return undefined;
  const t = m[1]!;
  return new Date(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every regular file below dir, as forward-slash paths relative to root. */
export function listFiles(dir: string, root = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return listFiles(full, root);
    return e.isFile() ? [relative(root, full).split(sep).join("/")] : [];
  });
}

export async function describeFiles(folder: string, paths: string[]): Promise<BackupFile[]> {
  const out: BackupFile[] = [];
  for (const path of paths) {
    const full = join(folder, path);
    out.push({ path, bytes: statSync(full).size, sha256: await sha256File(full) });
  }
  return out;
}

const sealOf = (m: Omit<Manifest, "seal">): string => createHash("sha256").update(JSON.stringify(m)).digest("hex");

export function writeManifest(folder: string, m: Omit<Manifest, "seal">): Manifest {
  const sealed: Manifest = { ...m, seal: sealOf(m) };
  writeFileSync(join(folder, MANIFEST), JSON.stringify(sealed, null, 2) + "\n");
  return sealed;
}

/** Reads a manifest without checking the files (listings). */
export function readManifest(folder: string): Manifest {
  const file = join(folder, MANIFEST);
  if (!existsSync(file)) throw new BackupError(`${folder} is not a Plinth backup: it has no ${MANIFEST}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new BackupError(`${file} is damaged: it is not valid JSON`);
  }
  const m = parsed as Partial<Manifest>;
  if (m.format !== FORMAT || typeof m.formatVersion !== "number") throw new BackupError(`${file} is not a Plinth backup manifest`);
  if (m.formatVersion > FORMAT_VERSION) {
    throw new BackupError(`${file} has format version ${m.formatVersion}; this Plinth reads up to ${FORMAT_VERSION}: restore it with a newer Plinth`);
  }
  const { seal, ...rest } = m as Manifest;
  if (seal !== sealOf(rest)) throw new BackupError(`${file} is damaged or was edited: its seal does not match its content`);
  return m as Manifest;
}

/** The manifest, once every file it lists is present with its recorded size and SHA-256. */
export async function readVerifiedManifest(folder: string): Promise<Manifest> {
  const m = readManifest(folder);
  if (!m.files.some((f) => f.path === m.database.file)) throw new BackupError(`${join(folder, MANIFEST)} does not list the database file ${m.database.file}`);
  for (const f of m.files) {
    if (f.path.startsWith("/") || f.path.split("/").includes("..")) throw new BackupError(`${join(folder, MANIFEST)} lists a path outside the backup: ${f.path}`);
    const full = join(folder, f.path);
    if (!existsSync(full)) throw new BackupError(`backup is incomplete: ${f.path} is missing from ${folder}`);
    const bytes = statSync(full).size;
    if (bytes !== f.bytes) throw new BackupError(`backup is damaged: ${f.path} has ${bytes} bytes, the manifest recorded ${f.bytes}`);
    if ((await sha256File(full)) !== f.sha256) throw new BackupError(`backup is damaged: the SHA-256 of ${f.path} does not match the manifest`);
  }
  return m;
}
