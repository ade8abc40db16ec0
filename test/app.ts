import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { buildApp, type BuiltApp } from "../src/app.js";
import { loadConfig, type Config } from "../src/config.js";
import { openPglite } from "../src/platform/db/pglite.js";
import { createLogger } from "../src/platform/logger.js";
import { createScratchDatabase } from "./scratch-db.js";

export const testMode = (process.env.PLINTH_TEST_DB ?? "pglite") as "pglite" | "postgres";

export interface TestApp extends BuiltApp {
  config: Config;
  /** Drops the per-file database and closes everything. */
  close(): Promise<void>;
}

/** A fresh database for one test file: a PGlite image, or a new PostgreSQL database. */
async function isolatedDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  if (testMode === "pglite") return { drop: async () => undefined };
  return createScratchDatabase();
}

/**
 * Builds the real app (same code as production) on an isolated database. `env` may be a
 * function of the per-file database URL (postgres mode), e.g. to name it as a read replica.
 */
export async function createTestApp(envOrFn: Record<string, string> | ((databaseUrl: string | undefined) => Record<string, string>) = {}): Promise<TestApp> {
  const db = await isolatedDatabase();
  // Backups (an instance admin may start one, e.g. the fuzzer) land here, never in ./data.
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-app-"));
  const env = typeof envOrFn === "function" ? envOrFn(db.url) : envOrFn;
  const config = loadConfig({
    PLINTH_DATA_DIR: dataDir,
    PLINTH_BACKUP_CRON_HOURS: "0",
    PLINTH_OPEN_SIGNUP: "true",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    PLINTH_LOGIN_MAX_ATTEMPTS: "1000",
    PLINTH_LOGIN_MAX_ATTEMPTS_PER_IP: "1000",
    ...(db.url ? { DATABASE_URL: db.url, DATABASE_POOL_SIZE: "8" } : {}),
    ...(testMode === "postgres" && process.env.TEST_REDIS_URL
      ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: `plinth-test:${randomBytes(6).toString("hex")}:` }
      : {}),
    ...env,
  });
  const overrides =
    testMode === "pglite"
      ? { db: await openPglite({ loadDataDir: new Blob([readFileSync(inject("pgliteTemplate"))]) }) }
      : {};
  const built = await buildApp(config, { ...overrides, log: createLogger(process.env.TEST_LOG_LEVEL ?? "silent") });
  return {
    ...built,
    config,
    close: async () => {
      await built.app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
