import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

// PGlite has no lock of its own: two processes opening one data folder both
// succeed and then overwrite each other's pages. Every CLI command that opens
// the embedded database takes this pid file first, so a second opener (a
// backup, a migrate, a second server) refuses instead of corrupting it.

const LOCK_FILE = "plinth.pid";

interface LockRecord {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockRecord,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by another Plinth process (pid ${holder.pid} on ${holder.host}, "${holder.command}", since ${holder.since}). ` +
        `Stop it first, or take a live backup through the running server: POST /api/v1/admin/backups. ` +
        `If no such process exists, delete ${join(dataDir, LOCK_FILE)}.`,
    );
  }
}

const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<LockRecord>;
    return typeof parsed.pid === "number" ? { pid: parsed.pid, host: String(parsed.host), command: String(parsed.command), since: String(parsed.since) } : undefined;
  } catch {
    return undefined;
  }
}

/** A lock left by a process that no longer runs (kill -9, power loss) is taken over. */
function isStale(holder: LockRecord | undefined, file: string): boolean {
  if (!holder) return true;
  if (holder.host !== hostname()) return false; // another machine on shared storage: cannot tell, refuse
  // A restarted container often gets the dead process's pid back: that pid is then us.
  if (holder.pid === process.pid) return !held.has(file);
  return !isAlive(holder.pid);
}

/**
 * Takes the embedded data folder for this process; throws DataDirLockedError while
 * another live process holds it. Returns the release function (also run at exit).
 */
export function lockDataDir(dataDir: string, command: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(dataDir, LOCK_FILE);
  const record: LockRecord = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(record) + "\n", { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readHolder(file);
      if (attempt > 0 || !isStale(holder, file)) {
        throw new DataDirLockedError(dataDir, holder ?? { pid: 0, host: "unknown", command: "unknown", since: "unknown" });
      }
      unlinkSync(file);
    }
  }
  held.add(file);
  const release = () => {
    if (!held.delete(file)) return;
    process.off("exit", release);
    try {
      if (readHolder(file)?.pid === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on("exit", release);
  return release;
}
