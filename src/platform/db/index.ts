import { join } from "node:path";
import type { Config } from "../../config.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";
import type { WriteMarks } from "./replicas.js";
import type { Database } from "./types.js";

export type { CommitListener, Database, EmittedEvent, Queryable, Reader, ReplicaStatus, Tx } from "./types.js";
export type { WriteMark, WriteMarks } from "./replicas.js";

/** PGlite under dataDir when no DATABASE_URL is set; node-postgres pools otherwise. */
export async function openDatabase(config: Config, opts: { writeMarks?: WriteMarks } = {}): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      readUrls: config.databaseReadUrls,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      replicaMaxLagMs: config.replicaMaxLagMs,
      readYourWritesMs: config.readYourWritesMs,
      ...(opts.writeMarks ? { writeMarks: opts.writeMarks } : {}),
    });
  }
  return openPglite({ dataDir: join(config.dataDir, "db") });
}
