#!/usr/bin/env node
import { parseArgs } from "node:util";
import { buildApp } from "./app.js";
import { ConfigError, describeConfig, loadConfig, type Config } from "./config.js";
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
  config                                    print every setting and its current value (secrets masked)
`;

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
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`plinth: configuration error: ${err.message}\n`);
  } else {
    process.stderr.write(`plinth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
