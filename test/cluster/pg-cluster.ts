import { execFile } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

// Real PostgreSQL clusters in temporary folders, on loopback ports of their own:
// a primary with WAL archiving, optionally a streaming replica, and point-in-time
// recovery into new clusters. Everything a cluster test does to a database server
// (stop, start, kill -9) goes through here.
//
// PostgreSQL refuses to run as root (CI runs as root): then every server command
// runs as the `postgres` user through runuser, and the folders are handed to it.

const exec = promisify(execFile);

const asRoot = process.getuid?.() === 0;

/** The bin folder of PostgreSQL 15 (or the newest installed), holding initdb, pg_ctl, pg_basebackup. */
export const PG_BIN = (() => {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const pick = versions.includes("15") ? "15" : versions.sort((a, b) => Number(b) - Number(a))[0];
  if (pick) return join(root, pick, "bin");
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, "initdb"))) return dir;
  throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql-15");
})();

let postgresIds: { uid: number; gid: number } | undefined;
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  if (!postgresIds) {
    const [uid, gid] = await Promise.all([exec("id", ["-u", "postgres"]), exec("id", ["-g", "postgres"])]);
    postgresIds = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  return postgresIds;
}

/** Hands a folder (recursively) to the user the servers run as. */
async function own(path: string): Promise<void> {
  if (!asRoot) return;
  const { uid, gid } = await postgresUser();
  const walk = (p: string) => {
    chownSync(p, uid, gid);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(path);
}

/** Runs a PostgreSQL program (as postgres when we are root); rejects with its output. */
export async function pgRun(program: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const bin = join(PG_BIN, program);
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  try {
    const { stdout } = await exec(cmd, argv, { timeout: opts.timeoutMs ?? 120_000, cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${program} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pids of processes whose parent is pid (the postmaster's backends), read from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === pid ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One PostgreSQL server: its folder, port and lifecycle. */
export class PgNode {
  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly port: number,
    readonly socketDir: string,
    private readonly logFile: string,
  ) {}

  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    try {
      await pgRun("pg_ctl", ["-D", this.dataDir, "-l", this.logFile, "-w", "-t", "120", "start"], { timeoutMs: 130_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.name} log:\n${this.log().slice(-3000)}`);
    }
  }

  /** Clean shutdown (fast: running transactions are rolled back, clients disconnected). */
  async stop(mode: "smart" | "fast" | "immediate" = "fast"): Promise<void> {
    if (!this.isRunning()) return;
    await pgRun("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "-t", "120", "stop"], { timeoutMs: 130_000 });
  }

  /** kill -9 of the postmaster, as a crash would; resolves once every backend is gone too. */
  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined || !alive(pid)) return;
    const children = childrenOf(pid);
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 300 && [pid, ...children].some(alive); i++) await sleep(100);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  postmasterPid(): number | undefined {
    const file = join(this.dataDir, "postmaster.pid");
    if (!existsSync(file)) return undefined;
    return Number(readFileSync(file, "utf8").split("\n")[0]);
  }

  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined && alive(pid);
  }

  /** Runs one query on a short-lived connection. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database = "postgres"): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    c.on("error", () => undefined);
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async createDatabase(name: string): Promise<string> {
    await this.query(`create database ${name}`);
    return this.url(name);
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }
}

/** Settings for every node; fsync off because these clusters die with the test, never with the machine. */
function baseSettings(port: number, socketDir: string): string {
  return [
    "",
    "# plinth cluster test",
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    "fsync = off",
    "full_page_writes = on",
    "shared_buffers = 32MB",
    "max_connections = 200",
    "max_wal_senders = 10",
    "wal_keep_size = 256MB",
    "hot_standby = on",
    "wal_receiver_status_interval = 1s",
    "hot_standby_feedback = on",
    "log_min_messages = warning",
    "",
  ].join("\n");
}

export interface PgClusterOptions {
  /** Also start a streaming replica of the primary. */
  replica?: boolean;
}

export class PgCluster {
  readonly primary: PgNode;
  replica: PgNode | undefined;
  /** Nodes made by pitr(), stopped and removed by cleanup() too. */
  private readonly extra: PgNode[] = [];
  private counter = 0;

  private constructor(
    readonly root: string,
    readonly archiveDir: string,
    primary: PgNode,
  ) {
    this.primary = primary;
  }

  /** initdb + start of a primary with WAL archiving into archiveDir; a replica too when asked. */
  static async start(opts: PgClusterOptions = {}): Promise<PgCluster> {
    const root = mkdtempSync(join(tmpdir(), "plinth-pg-"));
    const archiveDir = join(root, "archive");
    mkdirSync(archiveDir);
    await own(root);
    const primary = await PgCluster.makeNode(root, "primary");
    await pgRun("initdb", ["-D", primary.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    appendFileSync(
      join(primary.dataDir, "postgresql.conf"),
      baseSettings(primary.port, primary.socketDir) +
        ["wal_level = replica", "archive_mode = on", `archive_command = 'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f'`, "archive_timeout = 0", ""].join("\n"),
    );
    const cluster = new PgCluster(root, archiveDir, primary);
    try {
      await primary.start();
      if (opts.replica) await cluster.addReplica();
    } catch (err) {
      await cluster.cleanup();
      throw err;
    }
    return cluster;
  }

  private static async makeNode(root: string, name: string): Promise<PgNode> {
    const socketDir = join(root, `${name}-socket`);
    mkdirSync(socketDir);
    await own(socketDir);
    const logFile = join(root, `${name}.log`);
    writeFileSync(logFile, "");
    await own(logFile);
    return new PgNode(name, join(root, name), await freePort(), socketDir, logFile);
  }

  /** A streaming replica made with pg_basebackup -R, started and connected. */
  async addReplica(): Promise<PgNode> {
    const replica = await PgCluster.makeNode(this.root, `replica${this.counter++ || ""}`);
    await pgRun("pg_basebackup", ["-h", "127.0.0.1", "-p", String(this.primary.port), "-U", "postgres", "-D", replica.dataDir, "-R", "-X", "stream", "-c", "fast"]);
    // The copied configuration is the primary's; later lines win.
    appendFileSync(join(replica.dataDir, "postgresql.conf"), baseSettings(replica.port, replica.socketDir) + "archive_mode = off\n");
    await replica.start();
    this.replica = replica;
    await this.waitReplicaCaughtUp();
    return replica;
  }

  /** The primary's current WAL position. */
  async lsn(): Promise<string> {
    const [row] = await this.primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
    return row!.lsn;
  }

  /** Resolves once the replica has replayed everything the primary had written when called. */
  async waitReplicaCaughtUp(timeoutMs = 60_000): Promise<void> {
    const replica = this.replica;
    if (!replica) throw new Error("this cluster has no replica");
    const target = await this.lsn();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const [row] = await replica.query<{ ok: boolean }>("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as ok", [target]);
        if (row?.ok) return;
      } catch {
        // still starting
      }
      if (Date.now() > deadline) throw new Error(`replica did not replay ${target} within ${timeoutMs} ms\n${replica.log().slice(-2000)}`);
      await sleep(100);
    }
  }

  /** A base backup of the primary (pg_basebackup, WAL included) into a new folder under root. */
  async baseBackup(): Promise<string> {
    const dir = join(this.root, `base-${this.counter++}`);
    await pgRun("pg_basebackup", ["-h", "127.0.0.1", "-p", String(this.primary.port), "-U", "postgres", "-D", dir, "-X", "stream", "-c", "fast"]);
    return dir;
  }

  /** Ends the current WAL segment and waits until the archiver has copied it. */
  async archiveCurrentWal(timeoutMs = 60_000): Promise<string> {
    const [row] = await this.primary.query<{ file: string }>("select pg_walfile_name(pg_switch_wal()) as file");
    const file = row!.file;
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(join(this.archiveDir, file))) {
      if (Date.now() > deadline) throw new Error(`WAL segment ${file} was not archived within ${timeoutMs} ms\n${this.primary.log().slice(-2000)}`);
      await sleep(100);
    }
    return file;
  }

  /**
   * Point-in-time recovery: a new cluster from a base backup, replaying archived WAL
   * up to targetTime ("2026-01-05 03:15:00.123456+00"; PostgreSQL refuses the ISO "T...Z"
   * spelling here), then promoted. Resolves once it accepts writes.
   */
  async pitr(baseBackup: string, targetTime: string, timeoutMs = 120_000): Promise<PgNode> {
    const node = await PgCluster.makeNode(this.root, `pitr${this.counter++}`);
    cpSync(baseBackup, node.dataDir, { recursive: true });
    appendFileSync(
      join(node.dataDir, "postgresql.conf"),
      baseSettings(node.port, node.socketDir) +
        ["archive_mode = off", `restore_command = 'cp ${this.archiveDir}/%f %p'`, `recovery_target_time = '${targetTime}'`, "recovery_target_action = 'promote'", ""].join("\n"),
    );
    writeFileSync(join(node.dataDir, "recovery.signal"), "");
    chmodSync(node.dataDir, 0o700); // PostgreSQL refuses a data folder others can read
    await own(node.dataDir);
    this.extra.push(node);
    await node.start();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const [row] = await node.query<{ recovering: boolean }>("select pg_is_in_recovery() as recovering");
        if (row && !row.recovering) return node;
      } catch {
        // not accepting connections yet
      }
      if (Date.now() > deadline) throw new Error(`point-in-time recovery did not finish within ${timeoutMs} ms\n${node.log().slice(-3000)}`);
      await sleep(200);
    }
  }

  /** Stops every node (kill -9 when a clean stop fails) and removes the folders. */
  async cleanup(): Promise<void> {
    for (const node of [...this.extra, this.replica, this.primary]) {
      if (!node) continue;
      await node.stop("immediate").catch(() => node.kill());
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
