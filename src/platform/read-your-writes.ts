import type { Cache } from "./cache.js";
import type { WriteMark, WriteMarks } from "./db/index.js";

const MAX_LOCAL = 50_000;

const isMark = (x: unknown): x is WriteMark => typeof x === "object" && x !== null && typeof (x as WriteMark).at === "number";

/** The later of two marks: the one whose write a replica must have replayed. */
const later = (a: WriteMark | undefined, b: WriteMark | undefined): WriteMark | undefined => (!a ? b : !b ? a : a.at >= b.at ? a : b);

/**
 * Write marks in the cache adapter, so a read on another node honours them too, plus a copy in
 * this process for when Redis lost one. A cache that cannot be asked makes reads go to the primary.
 */
export class CacheWriteMarks implements WriteMarks {
  private readonly local = new Map<string, WriteMark>();

  constructor(private readonly cache: Cache) {}

  async get(userId: string): Promise<WriteMark | undefined | "unknown"> {
    const values = await this.cache.getMany([`ryw:${userId}`]);
    if (!values) return "unknown";
    const shared = isMark(values[0]) ? values[0] : undefined;
    return later(this.local.get(userId), shared);
  }

  async set(userId: string, mark: WriteMark, ttlMs: number): Promise<void> {
    if (this.local.size >= MAX_LOCAL) this.local.clear();
    this.local.set(userId, mark);
    await this.cache.set(`ryw:${userId}`, mark, Math.max(1, Math.ceil(ttlMs / 1000)));
  }
}
