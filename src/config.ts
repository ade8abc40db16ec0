// Every setting Plinth reads, in one place: name, type, default and meaning.
// The environment is parsed once at start-up; a wrong value stops the process
// with one line naming the variable. Nothing else reads process.env.

import { join } from "node:path";
import { isHostListEntry } from "./platform/addresses.js";

type Kind = "string" | "int" | "bool" | "url" | "urls" | "enum" | "roles" | "hosts";

export const ROLES = ["api", "worker", "realtime", "cron"] as const;
export type Role = (typeof ROLES)[number];

interface Setting {
  env: string;
  kind: Kind;
  default?: string;
  description: string;
  sensitive?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** For urls: the schemes accepted. */
  protocols?: readonly string[];
}

export const settings = [
  { env: "PLINTH_ROLES", kind: "roles", default: "api,worker,realtime,cron", description: "Process roles this node runs (api, worker, realtime, cron); --roles overrides" },
  { env: "PORT", kind: "int", default: "3000", min: 0, max: 65535, description: "HTTP port" },
  { env: "HOST", kind: "string", default: "127.0.0.1", description: "Listen address (0.0.0.0 in containers)" },
  { env: "PLINTH_DATA_DIR", kind: "string", default: "./data", description: "Embedded database, local files and backups" },
  { env: "DATABASE_URL", kind: "url", sensitive: true, description: "PostgreSQL primary; unset = embedded PGlite under PLINTH_DATA_DIR" },
  { env: "DATABASE_READ_URLS", kind: "urls", sensitive: true, description: "Comma-separated PostgreSQL read replicas" },
  { env: "DATABASE_POOL_SIZE", kind: "int", default: "10", min: 1, max: 500, description: "Connections per pool (node-postgres)" },
  { env: "DATABASE_STATEMENT_TIMEOUT_MS", kind: "int", default: "15000", min: 100, max: 3_600_000, description: "Statement timeout for server connections" },
  { env: "REDIS_URL", kind: "url", sensitive: true, description: "Redis for cache, pub/sub, rate limits and queues; unset = in-process" },
  { env: "REDIS_KEY_PREFIX", kind: "string", default: "plinth:", description: "Prefix of every Redis key and channel" },
  { env: "PLINTH_OPEN_SIGNUP", kind: "bool", default: "false", description: "Allow signup without invitation after the first account" },
  { env: "PLINTH_PUBLIC_URL", kind: "url", description: "Public base URL used in links and cookies (default http://localhost:PORT)" },
  { env: "PLINTH_TRUST_PROXY", kind: "bool", default: "false", description: "Trust X-Forwarded-* headers (behind nginx or an ingress)" },
  { env: "PLINTH_REQUEST_TIMEOUT_MS", kind: "int", default: "30000", min: 1000, max: 600_000, description: "Maximum time to serve one HTTP request" },
  { env: "PLINTH_BODY_LIMIT_BYTES", kind: "int", default: "1048576", min: 1024, max: 104_857_600, description: "Maximum JSON request body size" },
  { env: "PLINTH_SESSION_TTL_HOURS", kind: "int", default: "720", min: 1, max: 87_600, description: "Lifetime of a login session" },
  { env: "PLINTH_LOGIN_MAX_ATTEMPTS", kind: "int", default: "10", min: 1, max: 10_000, description: "Failed logins per account in one window before 429" },
  { env: "PLINTH_LOGIN_MAX_ATTEMPTS_PER_IP", kind: "int", default: "50", min: 1, max: 100_000, description: "Failed logins from one IP in one window before 429" },
  { env: "PLINTH_LOGIN_WINDOW_SECONDS", kind: "int", default: "900", min: 1, max: 86_400, description: "Window of the login rate limit" },
  { env: "PLINTH_SHUTDOWN_GRACE_MS", kind: "int", default: "10000", min: 0, max: 600_000, description: "How long SIGTERM waits for in-flight requests" },
  { env: "PLINTH_OUTBOX_RETENTION_HOURS", kind: "int", default: "72", min: 1, max: 8760, description: "How long published events stay for WebSocket replay and audit of deliveries" },
  { env: "PLINTH_WS_HEARTBEAT_MS", kind: "int", default: "25000", min: 50, max: 600_000, description: "WebSocket ping interval; a client that misses a pong is disconnected" },
  { env: "PLINTH_WS_MAX_BUFFERED_BYTES", kind: "int", default: "1048576", min: 1024, max: 268_435_456, description: "Unsent bytes a WebSocket client may fall behind by before it is dropped (close 4008)" },
  { env: "PLINTH_WS_ALLOWED_ORIGINS", kind: "urls", description: "Comma-separated origins allowed to open /api/v1/events with the session cookie, besides PLINTH_PUBLIC_URL's" },
  { env: "LOG_LEVEL", kind: "enum", default: "info", values: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], description: "Log level (JSON lines on stdout)" },
  { env: "PLINTH_BACKUP_DIR", kind: "string", description: "Where `plinth backup` and scheduled backups go (default PLINTH_DATA_DIR/backups)" },
  { env: "PLINTH_BACKUP_CRON_HOURS", kind: "int", min: 0, max: 8760, description: "Hours between scheduled backups on cron nodes; 0 = off (default 24 embedded, 0 with DATABASE_URL)" },
  { env: "PLINTH_BACKUP_KEEP", kind: "int", default: "7", min: 1, max: 10_000, description: "Scheduled backups keep this many newest backups in PLINTH_BACKUP_DIR" },
  { env: "DATABASE_REPLICA_MAX_LAG_MS", kind: "int", default: "1000", min: 0, max: 3_600_000, description: "A read replica further behind than this leaves the rotation until it catches up" },
  { env: "PLINTH_READ_YOUR_WRITES_MS", kind: "int", default: "3000", min: 0, max: 600_000, description: "After a write, its author reads from the primary this long (or until replicas have replayed it)" },
  { env: "PLINTH_WEBHOOK_ALLOW_HOSTS", kind: "hosts", description: "Comma-separated hostnames (*.corp ok), addresses or CIDR ranges webhooks may reach although loopback, private or link-local" },
  { env: "PLINTH_WEBHOOK_TIMEOUT_MS", kind: "int", default: "10000", min: 100, max: 120_000, description: "Time limit of one webhook delivery attempt (connect and response)" },
  { env: "PLINTH_WEBHOOK_ATTEMPTS", kind: "int", default: "8", min: 1, max: 25, description: "Attempts per webhook delivery before it is marked failed" },
  { env: "PLINTH_WEBHOOK_BACKOFF_MS", kind: "int", default: "30000", min: 10, max: 3_600_000, description: "First webhook retry delay; doubles on every further attempt" },
  { env: "PLINTH_WEBHOOK_DISABLE_AFTER", kind: "int", default: "20", min: 1, max: 10_000, description: "Consecutive failed deliveries after which a webhook is disabled" },
  { env: "PLINTH_SMTP_URL", kind: "url", sensitive: true, protocols: ["smtp:", "smtps:"], description: "SMTP server for e-mail notifications (smtp:// or smtps://, credentials in the URL); unset = no e-mail" },
  { env: "PLINTH_MAIL_FROM", kind: "string", default: "Plinth <plinth@localhost>", description: "Sender (From) of notification e-mails" },
] as const satisfies readonly Setting[];

export interface Config {
  roles: Role[];
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databaseReadUrls: string[];
  databasePoolSize: number;
  statementTimeoutMs: number;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  openSignup: boolean;
  publicUrl: string;
  trustProxy: boolean;
  requestTimeoutMs: number;
  bodyLimitBytes: number;
  sessionTtlHours: number;
  loginMaxAttempts: number;
  loginMaxAttemptsPerIp: number;
  loginWindowSeconds: number;
  shutdownGraceMs: number;
  outboxRetentionHours: number;
  wsHeartbeatMs: number;
  wsMaxBufferedBytes: number;
  /** Origins (scheme://host[:port]) allowed for cookie-authenticated WebSockets, the public URL's included. */
  wsAllowedOrigins: string[];
  logLevel: string;
  backupDir: string;
  /** 0 = no scheduled backups. */
  backupCronHours: number;
  backupKeep: number;
  replicaMaxLagMs: number;
  readYourWritesMs: number;
  webhookAllowHosts: string[];
  webhookTimeoutMs: number;
  webhookAttempts: number;
  webhookBackoffMs: number;
  webhookDisableAfter: number;
  smtpUrl: string | undefined;
  mailFrom: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function parseValue(s: Setting, raw: string): string | number | boolean | string[] {
  const fail = (why: string): never => {
    throw new ConfigError(`${s.env}: ${why} (got ${s.sensitive ? "<hidden>" : JSON.stringify(raw)})`);
  };
  switch (s.kind) {
    case "string":
      return raw;
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) return fail("must be an integer");
      const n = Number(raw);
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
        return fail(`must be between ${s.min ?? "-inf"} and ${s.max ?? "inf"}`);
      }
      return n;
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return true;
      if (["false", "0", "no", "off", ""].includes(v)) return false;
      return fail("must be true or false");
    }
    case "url":
      if (!URL.canParse(raw)) return fail("must be a URL");
      if (s.protocols && !s.protocols.includes(new URL(raw).protocol)) return fail(`must be a ${s.protocols.map((p) => `${p}//`).join(" or ")} URL`);
      return raw;
    case "urls": {
      const list = raw.split(",").map((u) => u.trim()).filter(Boolean);
      for (const u of list) if (!URL.canParse(u)) return fail("must be comma-separated URLs");
      return list;
    }
    case "roles": {
      const list = raw.split(",").map((r) => r.trim()).filter(Boolean);
      const unknown = list.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (list.length === 0 || unknown.length > 0) return fail(`must be a comma-separated subset of ${ROLES.join(", ")}`);
      return [...new Set(list)];
    }
    case "hosts": {
      const list = raw.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
      const bad = list.find((h) => !isHostListEntry(h));
      if (bad !== undefined) return fail(`must be comma-separated hostnames, IP addresses or CIDR ranges (${JSON.stringify(bad)} is none)`);
      return list;
    }
    case "enum":
      if (!s.values?.includes(raw)) return fail(`must be one of ${s.values?.join(", ") ?? ""}`);
      return raw;
  }
}

/** Parses the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const v = new Map<string, unknown>();
  for (const s of settings as readonly Setting[]) {
    const raw = env[s.env];
    const given = raw !== undefined && raw !== "" ? raw : s.default;
    v.set(s.env, given === undefined ? undefined : parseValue(s, given));
  }
  const port = v.get("PORT") as number;
  const dataDir = v.get("PLINTH_DATA_DIR") as string;
  const databaseUrl = v.get("DATABASE_URL") as string | undefined;
  const publicUrl = ((v.get("PLINTH_PUBLIC_URL") as string | undefined) ?? `http://localhost:${port}`).replace(/\/$/, "");
  return {
    roles: v.get("PLINTH_ROLES") as Role[],
    port,
    host: v.get("HOST") as string,
    dataDir,
    databaseUrl,
    databaseReadUrls: (v.get("DATABASE_READ_URLS") as string[] | undefined) ?? [],
    databasePoolSize: v.get("DATABASE_POOL_SIZE") as number,
    statementTimeoutMs: v.get("DATABASE_STATEMENT_TIMEOUT_MS") as number,
    redisUrl: v.get("REDIS_URL") as string | undefined,
    redisKeyPrefix: v.get("REDIS_KEY_PREFIX") as string,
    openSignup: v.get("PLINTH_OPEN_SIGNUP") as boolean,
    publicUrl,
    trustProxy: v.get("PLINTH_TRUST_PROXY") as boolean,
    requestTimeoutMs: v.get("PLINTH_REQUEST_TIMEOUT_MS") as number,
    bodyLimitBytes: v.get("PLINTH_BODY_LIMIT_BYTES") as number,
    sessionTtlHours: v.get("PLINTH_SESSION_TTL_HOURS") as number,
    loginMaxAttempts: v.get("PLINTH_LOGIN_MAX_ATTEMPTS") as number,
    loginMaxAttemptsPerIp: v.get("PLINTH_LOGIN_MAX_ATTEMPTS_PER_IP") as number,
    loginWindowSeconds: v.get("PLINTH_LOGIN_WINDOW_SECONDS") as number,
    shutdownGraceMs: v.get("PLINTH_SHUTDOWN_GRACE_MS") as number,
    outboxRetentionHours: v.get("PLINTH_OUTBOX_RETENTION_HOURS") as number,
    wsHeartbeatMs: v.get("PLINTH_WS_HEARTBEAT_MS") as number,
    wsMaxBufferedBytes: v.get("PLINTH_WS_MAX_BUFFERED_BYTES") as number,
    wsAllowedOrigins: [...new Set([publicUrl, ...((v.get("PLINTH_WS_ALLOWED_ORIGINS") as string[] | undefined) ?? [])].map((u) => new URL(u).origin))],
    logLevel: v.get("LOG_LEVEL") as string,
    backupDir: (v.get("PLINTH_BACKUP_DIR") as string | undefined) ?? join(dataDir, "backups"),
    // Embedded installs rarely have any other backup, so they get a daily one; a PostgreSQL
    // deployment is expected to archive WAL (docs/backup.md) and opts in explicitly.
    backupCronHours: (v.get("PLINTH_BACKUP_CRON_HOURS") as number | undefined) ?? (databaseUrl ? 0 : 24),
    backupKeep: v.get("PLINTH_BACKUP_KEEP") as number,
    replicaMaxLagMs: v.get("DATABASE_REPLICA_MAX_LAG_MS") as number,
    readYourWritesMs: v.get("PLINTH_READ_YOUR_WRITES_MS") as number,
    webhookAllowHosts: (v.get("PLINTH_WEBHOOK_ALLOW_HOSTS") as string[] | undefined) ?? [],
    webhookTimeoutMs: v.get("PLINTH_WEBHOOK_TIMEOUT_MS") as number,
    webhookAttempts: v.get("PLINTH_WEBHOOK_ATTEMPTS") as number,
    webhookBackoffMs: v.get("PLINTH_WEBHOOK_BACKOFF_MS") as number,
    webhookDisableAfter: v.get("PLINTH_WEBHOOK_DISABLE_AFTER") as number,
    smtpUrl: v.get("PLINTH_SMTP_URL") as string | undefined,
    mailFrom: v.get("PLINTH_MAIL_FROM") as string,
  };
}

/** Human-readable table for `plinth config`, secrets masked. */
export function describeConfig(env: Env = process.env): string {
  const lines = (settings as readonly Setting[]).map((s) => {
    const raw = env[s.env];
    const shown = raw === undefined || raw === "" ? `(default ${s.default ?? "unset"})` : s.sensitive ? "********" : raw;
    return `${s.env.padEnd(32)} ${shown.padEnd(28)} ${s.description}`;
  });
  return lines.join("\n");
}
