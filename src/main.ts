#!/usr/bin/env node
import { parseArgs } from "node:util";
import { buildApp } from "./app.js";
import { ConfigError, describeConfig, loadConfig, type Config } from "./config.js";
import { BackupError, createBackup, restoreBackup } from "./platform/backup/index.js";
import { DataDirLockedError, lockDataDir } from "./platform/db/datadir-lock.js";
import { openDatabase } from "./platform/db/index.js";
import { migrate } from "./platform/db/migrate.js";
import { seedDemo } from "./seed/demo.js";
import { usersRepo } from "./modules/auth/repository.js";

const USAGE = `Usage: plinth <command>

Commands:
  serve [--roles=api,worker,realtime,cron]   start the server (default)
  migrate                                   apply database migrations and exit
  create-admin --email E --name N --password P
                                            create (or promote) an instance admin
  seed-demo                                 create a demo organization with users, projects and tasks
  backup [--out DIR]                        back up the database and local files into
                                            DIR (default PLINTH_BACKUP_DIR)/plinth-backup-<time>/
  restore --from PATH [--force]             verify a backup, replace the database with it, migrate
                                            (--force: the target already holds data)
  config                                    print every setting and its current value (secrets masked)

Backups, schedules and point-in-time recovery: docs/backup.md
`;

/** Commands that open the database; in embedded mode they take the data folder for themselves. */
const OPENS_DATABASE = new Set(["serve", "migrate", "create-admin", "seed-demo", "backup", "restore"]);

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

async function backup(config: Config, out: string | undefined): Promise<void> {
  const started = Date.now();
  const { folder, manifest } = await createBackup({ config, trigger: "cli", ...(out ? { outDir: out } : {}) });
  const tables = Object.values(manifest.tables);
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  const files = manifest.files.length - 1;
  process.stdout.write(
    `backup complete: ${folder}\n  ${manifest.mode}, ${tables.length} tables, ${tables.reduce((s, t) => s + t.rows, 0)} rows, ` +
      `${files} local files, ${megabytes(bytes)}, schema ${manifest.migrations.at(-1) ?? "empty"}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

async function restore(config: Config, from: string | undefined, force: boolean): Promise<void> {
  if (!from) throw new ConfigError("restore needs --from PATH (a plinth-backup-... folder)");
  const started = Date.now();
  const result = await restoreBackup(config, from, { force });
  // A backup from older code gets the migrations added since.
  const db = await openDatabase(config);
  const applied = await migrate(db).finally(() => db.close());
  const lines = [
    `restored ${result.manifest.name} (${result.manifest.mode}, taken ${result.manifest.createdAt}): ${Object.keys(result.manifest.tables).length} tables verified against the manifest`,
    ...result.movedAside.map((p) => `  kept the replaced data in ${p}`),
    `  ${applied.length ? `migrations applied: ${applied.join(", ")}` : "schema is up to date"}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

async function serve(config: Config): Promise<void> {
  const started = Date.now();
  const built = await buildApp(config);
  const { app, platform } = built;
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host === "0.0.0.0" || config.host === "127.0.0.1" ? "localhost" : config.host;
  const url = `http://${shownHost}:${port}`;
  const mode = config.databaseUrl ? `PostgreSQL${config.redisUrl ? " + Redis" : ""}` : `embedded (${config.dataDir})`;
  const fresh = (await usersRepo.count(platform.db)) === 0;
  const lines = [
    "",
    `  Plinth is running at ${url}   (mode: ${mode}, roles: ${config.roles.join(",")}, ready in ${Date.now() - started} ms)`,
    `  API docs: ${url}/docs`,
    ...(fresh
      ? [
          "",
          "  This is a fresh instance. Create the first account (it becomes the instance admin):",
          `    curl -X POST ${url}/api/v1/auth/signup -H 'content-type: application/json' \\`,
          `      -d '{"email":"you@example.com","password":"at-least-10-chars","name":"Your Name"}'`,
          "  or: npm run plinth -- create-admin --email you@example.com --name 'Your Name' --password '...'",
          "  Demo data (optional): npm run plinth -- seed-demo",
        ]
      : []),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    platform.log.info({ signal }, "draining");
    built.startDraining();
    // Past the grace period, requests still running are cut so that close() can finish and the pools close.
    const grace = setTimeout(() => {
      platform.log.warn("shutdown grace period over; closing open connections");
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    const force = setTimeout(() => {
      platform.log.error("shutdown did not complete after the grace period; exiting");
      process.exit(1);
    }, config.shutdownGraceMs + 5000);
    grace.unref();
    force.unref();
    // close() stops accepting, waits for in-flight requests, then runs onClose (pools).
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        platform.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      roles: { type: "string" },
      email: { type: "string" },
      name: { type: "string" },
      password: { type: "string" },
      out: { type: "string" },
      from: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0] ?? "serve";
  if (values.help || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "config") {
    process.stdout.write(describeConfig() + "\n");
    return;
  }
  // --roles is the command-line spelling of PLINTH_ROLES, validated the same way.
  const config = loadConfig(values.roles === undefined ? process.env : { ...process.env, PLINTH_ROLES: values.roles });
  // PGlite does not notice a second process on its files; the lock file does (released at exit).
  if (!config.databaseUrl && OPENS_DATABASE.has(command)) lockDataDir(config.dataDir, `plinth ${command}`);
  switch (command) {
    case "serve":
      await serve(config);
      return;
    case "migrate": {
      const db = await openDatabase(config);
      const applied = await migrate(db);
      await db.close();
      process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "database is up to date\n");
      return;
    }
    case "create-admin": {
      if (!values.email || !values.password) throw new ConfigError("create-admin needs --email and --password (and --name)");
      const built = await buildApp({ ...config, logLevel: "warn" });
      const user = await built.services.auth.createAccount({ email: values.email, password: values.password, name: values.name ?? values.email }, { instanceAdmin: true });
      await built.app.close();
      process.stdout.write(`instance admin: ${user.email} (${user.id})\n`);
      return;
    }
    case "seed-demo": {
      const built = await buildApp({ ...config, logLevel: "warn" });
      const summary = await seedDemo(built);
      await built.app.close();
      process.stdout.write(summary + "\n");
      return;
    }
    case "backup":
      await backup(config, values.out);
      return;
    case "restore":
      await restore(config, values.from, values.force === true);
      return;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`plinth: configuration error: ${err.message}\n`);
  } else if (err instanceof BackupError || err instanceof DataDirLockedError) {
    process.stderr.write(`plinth: ${err.message}\n`);
  } else {
    process.stderr.write(`plinth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
