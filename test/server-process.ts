import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { testMode } from "./app.js";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-db.js";

// The real `plinth` CLI in a child process, exactly as an operator starts it.
// Everything waits on the process's own output or exit, never on the clock.

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface PlinthProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line (already printed or still to come) that matches. */
  waitForLine(match: (line: string) => boolean, what: string): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `plinth <args>` with only the given environment (plus PATH and HOME). */
export function runPlinth(args: string[], env: Record<string, string>): PlinthProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void }>();
  const collect = (into: string[], notify: boolean) => {
    let partial = "";
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        into.push(line);
        if (!notify) continue;
        for (const w of waiters) {
          if (!w.match(line)) continue;
          waiters.delete(w);
          w.resolve(line);
        }
      }
    };
  };
  child.stdout.on("data", collect(stdout, true));
  child.stderr.on("data", collect(stderr, false));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine: (match, what) => {
      const seen = stdout.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.add({ match, resolve });
        void exited.then(({ code }) => reject(new Error(`plinth exited (${code}) before printing ${what}\n${[...stdout, ...stderr].join("\n")}`)));
      });
    },
  };
}

/** A JSON log line from the process, or undefined for the human-readable banner lines. */
export function logRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  return JSON.parse(line) as Record<string, unknown>;
}

/** Where a spawned server keeps its data: a temp folder, plus a fresh database and Redis prefix in the postgres mode. */
export interface ServerStorage {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function serverStorage(): Promise<ServerStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-proc-"));
  let scratch: ScratchDatabase | undefined;
  const env: Record<string, string> = { PLINTH_DATA_DIR: dataDir };
  if (testMode === "postgres") {
    scratch = await createScratchDatabase();
    env.DATABASE_URL = scratch.url;
    if (process.env.TEST_REDIS_URL) {
      env.REDIS_URL = process.env.TEST_REDIS_URL;
      env.REDIS_KEY_PREFIX = `plinth-test:${dataDir.slice(-6)}:`;
    }
  }
  return {
    env,
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}

/** `plinth serve` on a free port; resolves once it prints where it listens. */
export async function startServer(env: Record<string, string>): Promise<PlinthProcess & { port: number }> {
  const proc = runPlinth(["serve"], { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env });
  const banner = await proc.waitForLine((l) => l.includes("Plinth is running at"), "its address");
  const port = Number(/:(\d+)\b/.exec(banner.split("running at ")[1] ?? "")?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in: ${banner}`);
  return { ...proc, port };
}
