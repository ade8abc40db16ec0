import pg from "pg";
import type { Reader, ReplicaStatus } from "./types.js";

/** A user's last write: when, and the primary's WAL position right after it (when known). */
export interface WriteMark {
  at: number;
  lsn?: string;
}

/** Where write marks live so that every node sees them (the cache adapter: platform/read-your-writes.ts). */
export interface WriteMarks {
  /** The user's mark; "unknown" when the store cannot be asked (the caller then reads the primary). */
  get(userId: string): Promise<WriteMark | undefined | "unknown">;
  set(userId: string, mark: WriteMark, ttlMs: number): Promise<void>;
}

export interface ReplicaOptions {
  /** A replica further behind than this leaves the rotation until it catches up. */
  maxLagMs: number;
  /** How long after a write its author's reads stay on the primary, unless a replica has replayed it sooner. */
  readYourWritesMs: number;
  probeIntervalMs: number;
  marks: WriteMarks;
}

/** "16/B374D848" as one comparable number. */
export const lsnValue = (lsn: string): bigint => {
  const [hi = "0", lo = "0"] = lsn.split("/");
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

interface ProbeRow {
  standby: boolean;
  replay_lsn: string | null;
  replay_age: number | null;
}

class Replica {
  inRotation = false;
  lagSeconds = Number.NaN;
  /** Undefined for a server that is not replaying WAL (a primary named as replica, as tests do). */
  replayLsn: bigint | undefined;
  standby = false;

  constructor(
    readonly name: string,
    readonly pool: pg.Pool,
  ) {}
}

/** Whether an error means the server cannot be reached, rather than that the statement failed. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return true;
  return /^(08|53|57)/.test(err.code ?? "");
}

/** Metric labels: host:port, numbered when two replicas share one (tests point several at one server). */
function replicaNames(urls: string[]): string[] {
  const seen = new Map<string, number>();
  return urls.map((u) => {
    const url = new URL(u);
    const base = `${url.hostname}:${url.port || "5432"}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

/**
 * The read replicas: a probe per replica measures replay lag and takes a lagging or unreachable
 * replica out of rotation (and brings it back); reads for a user avoid replicas that may not
 * have replayed that user's last write.
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private next = 0;
  private readonly decisions = new WeakMap<Reader, Promise<WriteMark | undefined | "unknown">>();
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly primary: pg.Pool,
    urls: string[],
    makePool: (url: string) => pg.Pool,
    private readonly opts: ReplicaOptions,
  ) {
    const names = replicaNames(urls);
    this.replicas = urls.map((u, i) => new Replica(names[i]!, makePool(u)));
  }

  get size(): number {
    return this.replicas.length;
  }

  /** Probes now and then every probeIntervalMs; replicas join the rotation on their first good probe. */
  start(): void {
    if (this.replicas.length === 0 || this.timer) return;
    const run = () => {
      this.probing ??= this.probe().finally(() => {
        this.probing = undefined;
      });
    };
    run();
    this.timer = setInterval(run, this.opts.probeIntervalMs);
    this.timer.unref();
  }

  /** One probe round; exposed so tests need not wait for the timer. */
  async probe(): Promise<void> {
    let primaryLsn: bigint | undefined;
    try {
      const r = await this.primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
      primaryLsn = lsnValue(r.rows[0]!.lsn);
    } catch {
      // Without the primary's position, lag comes from replay timestamps alone.
    }
    await Promise.all(this.replicas.map((r) => this.probeOne(r, primaryLsn)));
  }

  private async probeOne(replica: Replica, primaryLsn: bigint | undefined): Promise<void> {
    try {
      const r = await replica.pool.query<ProbeRow>(
        `select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replay_lsn,
                extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as replay_age`,
      );
      const row = r.rows[0]!;
      replica.standby = row.standby;
      replica.replayLsn = row.standby && row.replay_lsn ? lsnValue(row.replay_lsn) : undefined;
      // An idle primary commits nothing, so the last replayed commit ages although nothing is
      // missing: a replica at (or past) the primary's position has no lag.
      const caughtUp = replica.replayLsn !== undefined && primaryLsn !== undefined && replica.replayLsn >= primaryLsn;
      replica.lagSeconds = !row.standby || caughtUp ? 0 : (row.replay_age ?? Number.POSITIVE_INFINITY);
      replica.inRotation = replica.lagSeconds * 1000 <= this.opts.maxLagMs;
    } catch {
      replica.inRotation = false;
      replica.lagSeconds = Number.NaN;
    }
  }

  /** A replica for reads with no author to protect: round robin over those in rotation. */
  pick(mark?: WriteMark): Replica | undefined {
    const n = this.replicas.length;
    for (let i = 0; i < n; i++) {
      const r = this.replicas[(this.next + i) % n]!;
      if (r.inRotation && this.hasReplayed(r, mark)) {
        this.next = (this.next + i + 1) % n;
        return r;
      }
    }
    return undefined;
  }

  /** The reader's write mark, looked up once per reader object (one request). */
  markOf(reader: Reader): Promise<WriteMark | undefined | "unknown"> {
    let mark = this.decisions.get(reader);
    if (!mark) {
      mark = this.opts.marks.get(reader.userId).catch(() => "unknown" as const);
      this.decisions.set(reader, mark);
    }
    return mark;
  }

  /** Whether the replica certainly holds the marked write: replayed past its position, or the window is over. */
  private hasReplayed(r: Replica, mark: WriteMark | undefined): boolean {
    if (!mark) return true;
    if (mark.at + this.opts.readYourWritesMs <= Date.now()) return true;
    return mark.lsn !== undefined && r.replayLsn !== undefined && r.replayLsn >= lsnValue(mark.lsn);
  }

  /** Records the reader's write; the WAL position is asked for only when some replica is a real standby. */
  async noteWrite(reader: Reader): Promise<void> {
    if (this.replicas.length === 0) return;
    const mark: WriteMark = { at: Date.now() };
    if (this.replicas.some((r) => r.standby)) {
      try {
        const r = await this.primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
        mark.lsn = r.rows[0]!.lsn;
      } catch {
        // The window alone still protects the write.
      }
    }
    await this.opts.marks.set(reader.userId, mark, this.opts.readYourWritesMs).catch(() => undefined);
    // A later read by the same request object must see its own write too.
    this.decisions.set(reader, Promise.resolve(mark));
  }

  /** A replica query failed: an unreachable replica leaves the rotation until a probe finds it well. */
  failed(replica: Replica, err: unknown): void {
    if (isConnectionError(err)) {
      replica.inRotation = false;
      replica.lagSeconds = Number.NaN;
    }
  }

  status(): ReplicaStatus[] {
    return this.replicas.map((r) => ({ name: r.name, lagSeconds: r.lagSeconds, inRotation: r.inRotation }));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.probing;
    await Promise.all(this.replicas.map((r) => r.pool.end()));
  }
}

export type { Replica };
