import { join } from "node:path";
import type { Config } from "../../config.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";
import type { Database } from "./types.js";

export type { Database, Queryable, Tx } from "./types.js";

/** PGlite under dataDir when no DATABASE_URL is set; node-postgres pools otherwise. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      readUrls: config.databaseReadUrls,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
    });
  }
  return openPglite({ dataDir: join(config.dataDir, "db") });
}
