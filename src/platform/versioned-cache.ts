import { randomBytes } from "node:crypto";
import type { Cache } from "./cache.js";

// Hot reads are cached under generations. A generation is an opaque token per scope (an org's
// memberships, a project's settings, a project's tasks, one task); every cached value carries
// the tokens it was read under, and is served only while they are all still current. A write
// replaces the tokens of what it touched (after commit): one SET however many values depend
// on it, and a value read before the write can never be stored as current, because its
// tokens were read before the database was.

/** Generation keys: what a domain event invalidates (platform/cache-invalidation.ts). */
export const generation = {
  /** Org roles and memberships (also project memberships dropped with an org membership). */
  org: (orgId: string) => `gen:org:${orgId}`,
  /** A project's row (name, workflow, archived) and its members. */
  access: (projectId: string) => `gen:access:${projectId}`,
  /** Everything read from a project's tasks: boards, summaries. */
  tasks: (projectId: string) => `gen:tasks:${projectId}`,
  /** One task's row. */
  task: (taskId: string) => `gen:task:${taskId}`,
};

/** The hot reads, as labelled in plinth_cache_requests_total. */
export type CacheName = "session" | "project" | "access" | "org_role" | "task" | "board" | "summary";

const GENERATION_TTL_SECONDS = 86_400;
const RETRY_MS = 500;

interface Stamped {
  v: unknown;
  g: string[];
}

const isStamped = (x: unknown): x is Stamped => typeof x === "object" && x !== null && "g" in x && Array.isArray((x as Stamped).g);

/** One cached value: its cache (for the metrics), key, the generations it depends on, and lifetime. */
export interface CacheEntry<T> {
  readonly cache: CacheName;
  readonly key: string;
  readonly deps: readonly string[];
  readonly ttlSeconds: number;
  /** Type only: what the entry holds. */
  readonly holds?: T;
}

export const cacheEntry = <T>(cache: CacheName, key: string, deps: readonly string[], ttlSeconds: number): CacheEntry<T> => ({ cache, key, deps, ttlSeconds });

/** Hits and misses per cache, read by the metrics. */
export class CacheStats {
  readonly counts = new Map<CacheName, { hit: number; miss: number }>();

  count(cache: CacheName, hit: boolean): void {
    let c = this.counts.get(cache);
    if (!c) {
      c = { hit: 0, miss: 0 };
      this.counts.set(cache, c);
    }
    if (hit) c.hit++;
    else c.miss++;
  }
}

/** Generations and entries as read in one round trip, before the database is. */
export class Snapshot {
  constructor(
    private readonly owner: VersionedCache,
    private readonly tokens: ReadonlyMap<string, string>,
    private readonly entries: ReadonlyMap<string, unknown>,
  ) {}

  /** The entry's value if it was stored under the current token of every generation it depends on. */
  get<T>(e: CacheEntry<T>): T | undefined {
    const stored = this.entries.get(e.key);
    const hit = isStamped(stored) && stored.g.length === e.deps.length && e.deps.every((d, i) => this.tokens.get(d) === stored.g[i]);
    this.owner.stats.count(e.cache, hit);
    return hit ? (stored.v as T) : undefined;
  }

  /** Whether the entry may be stored from this snapshot (every token it depends on was read). */
  canStore(e: CacheEntry<unknown>): boolean {
    return e.deps.every((d) => this.tokens.has(d));
  }

  /** Stores a value read after this snapshot; skipped when a token is unknown. Never waits for the cache. */
  put<T>(e: CacheEntry<T>, value: T): void {
    if (!this.canStore(e)) return;
    const stamped: Stamped = { v: value, g: e.deps.map((d) => this.tokens.get(d)!) };
    void this.owner.cache.set(e.key, stamped, e.ttlSeconds);
  }
}

export class VersionedCache {
  /** Generations whose replacement failed (Redis away): until it succeeds this node bypasses the cache. */
  private readonly unbumped = new Set<string>();
  private lastRetry = 0;

  constructor(
    readonly cache: Cache,
    readonly stats: CacheStats,
  ) {}

  /** Reads the entries and the tokens they depend on in one round trip. Missing tokens are created for next time. */
  async snapshot(wanted: readonly CacheEntry<unknown>[]): Promise<Snapshot> {
    if (wanted.length === 0) return new Snapshot(this, new Map(), new Map());
    if (this.unbumped.size > 0 && !(await this.retryBumps())) return this.bypassed();
    const generations = [...new Set(wanted.flatMap((e) => e.deps))];
    const keys = wanted.map((e) => e.key);
    const all = [...generations, ...keys];
    const values = await this.cache.getMany(all);
    if (!values) return this.bypassed();
    const tokens = new Map<string, string>();
    const fresh: string[] = [];
    generations.forEach((g, i) => {
      const t = values[i];
      if (typeof t === "string") tokens.set(g, t);
      else fresh.push(g);
    });
    // A token created now may race a writer's replacement; either way it is new, so values
    // are stored under it only by later snapshots.
    for (const g of fresh) void this.cache.set(g, newToken(), GENERATION_TTL_SECONDS);
    const entries = new Map<string, unknown>();
    keys.forEach((k, i) => entries.set(k, values[generations.length + i]));
    return new Snapshot(this, tokens, entries);
  }

  /** Invalidates everything stored under these generations (call after the change has committed). */
  async bump(generations: Iterable<string>): Promise<void> {
    await Promise.all(
      [...new Set(generations)].map(async (g) => {
        if (await this.cache.set(g, newToken(), GENERATION_TTL_SECONDS)) this.unbumped.delete(g);
        else this.unbumped.add(g);
      }),
    );
  }

  /** True when every failed bump has now gone through. Tried at most every RETRY_MS. */
  private async retryBumps(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastRetry < RETRY_MS) return false;
    this.lastRetry = now;
    await this.bump([...this.unbumped]);
    return this.unbumped.size === 0;
  }

  /** Knows no token: every lookup misses (and is counted), nothing is stored. */
  private bypassed(): Snapshot {
    return new Snapshot(this, new Map(), new Map());
  }
}

const newToken = (): string => randomBytes(9).toString("base64url");
