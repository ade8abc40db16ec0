import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { BackupError } from "./manifest.js";

// pg_dump and pg_restore of the server's own major version: an older pg_dump
// refuses a newer server, and a dump made by a newer one may not restore into
// an older server. Debian keeps each version under /usr/lib/postgresql/N/bin,
// RHEL under /usr/pgsql-N/bin, Homebrew under opt/postgresql@N; then PATH.

const run = promisify(execFile);

export interface PgTool {
  path: string;
  /** First line of `--version`, kept in the manifest. */
  version: string;
  major: number;
}

function candidateDirs(major: number): string[] {
  const versioned = (n: number | string) => [`/usr/lib/postgresql/${n}/bin`, `/usr/pgsql-${n}/bin`, `/opt/homebrew/opt/postgresql@${n}/bin`, `/usr/local/opt/postgresql@${n}/bin`];
  // PATH is the operating system's lookup list, not a Plinth setting.
  const path = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const others = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").flatMap((v) => versioned(v)) : [];
  return [...new Set([...versioned(major), ...path, ...others])];
}

async function versionOf(path: string): Promise<PgTool | undefined> {
  try {
    const { stdout } = await run(path, ["--version"], { timeout: 10_000 });
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return m ? { path, version: stdout.trim().split("\n")[0]!, major: Number(m[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** The named tool built for `major`, or a BackupError naming what was found instead. */
export async function findPgTool(name: "pg_dump" | "pg_restore", major: number): Promise<PgTool> {
  const found: PgTool[] = [];
  for (const dir of candidateDirs(major)) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const tool = await versionOf(path);
    if (tool?.major === major) return tool;
    if (tool) found.push(tool);
  }
  const seen = found.length ? ` (found ${found.map((t) => `${t.major} at ${t.path}`).join(", ")})` : "";
  throw new BackupError(`${name} for PostgreSQL ${major} is not installed${seen}; install the PostgreSQL ${major} client tools or put their bin folder on PATH`);
}

/** libpq's view of a connection URL, with the password moved out of the command line (ps shows it). */
export function libpqTarget(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs a PostgreSQL client tool; rejects with the end of its stderr. */
export function runPgTool(tool: PgTool, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    child.on("error", (err) => reject(new BackupError(`${tool.path} could not start: ${err.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new BackupError(`${tool.path.split("/").pop() ?? "tool"} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || "no output"}`));
    });
  });
}
