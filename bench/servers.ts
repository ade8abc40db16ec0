import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { settings } from "../src/config.js";

// Child processes the harness runs: the real server (`src/main.ts serve`, the
// same entry point operators use) and the bare Fastify ceiling. Each runs as its
// own `node` process so /proc shows exactly its memory and CPU.

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface RunningServer {
  name: string;
  pid: number;
  origin: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The parent's environment without Plinth's own settings: a DATABASE_URL or
 * REDIS_URL exported in the operator's shell must not leak into a run that is
 * meant to be embedded, or point a bench node at a real database.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const own = new Set<string>(settings.map((x) => x.env));
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !own.has(k)));
}

/** Starts `node --import tsx <entry> ...args` and resolves once GET readyPath answers 200. */
export async function startProcess(opts: {
  name: string;
  entry: string;
  args?: string[];
  env: Record<string, string>;
  readyPath: string;
  timeoutMs?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
}): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", opts.entry, ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...inheritedEnv(), ...opts.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-4000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", (code) => ((exited = code), resolve())));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${opts.name} exited with code ${exited} before it was ready:\n${stderr}`);
    try {
      const res = await fetch(origin + opts.readyPath, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${opts.name} was not ready within ${opts.timeoutMs ?? 120_000} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name: opts.name,
    pid: child.pid!,
    origin,
    stop: async () => {
      if (exited !== undefined) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

export const startPlinth = (name: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<RunningServer> =>
  startProcess({ name, entry: "src/main.ts", args: ["serve"], env, readyPath: "/readyz", nodeArgs });

export const startCeiling = (): Promise<RunningServer> =>
  startProcess({ name: "ceiling", entry: "bench/ceiling-server.ts", env: {}, readyPath: "/hello" });

/** Where a run's data lives: a temporary PGlite directory, or a fresh PostgreSQL database. */
export interface BenchStore {
  /** Environment for the server process (and for the loader's config). */
  env: Record<string, string>;
  describe: string;
  /** PostgreSQL database name, so the harness can follow its backends' CPU. */
  database?: string;
  cleanup(): Promise<void>;
}

export function embeddedStore(): BenchStore {
  const dir = mkdtempSync(join(tmpdir(), "plinth-bench-"));
  return {
    env: { PLINTH_DATA_DIR: dir },
    describe: `embedded PGlite in ${dir}`,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** Creates plinth_bench_<random> on the server of adminUrl and a unique Redis key prefix. */
export async function postgresStore(adminUrl: string, redisUrl: string | undefined, keep: boolean): Promise<BenchStore> {
  const id = randomBytes(5).toString("hex");
  const name = `plinth_bench_${id}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const prefix = `plinth-bench:${id}:`;
  return {
    env: { DATABASE_URL: url.toString(), ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix } : {}) },
    describe: `PostgreSQL database ${name}${redisUrl ? `, Redis prefix ${prefix}` : ", no Redis"}`,
    database: name,
    cleanup: async () => {
      if (redisUrl) await deleteRedisPrefix(redisUrl, prefix);
      if (keep) return;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // Leftover keys expire on their own (cache TTLs); cleanup failing must not fail the run.
  } finally {
    redis.disconnect();
  }
}
