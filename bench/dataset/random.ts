import { createHash } from "node:crypto";

// Everything the dataset contains comes from these functions, so one seed gives
// the same rows on every machine. Streams are derived per section (per project,
// per org) so generating one part never shifts the numbers of another.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
}

function seedWords(seed: string): [number, number, number, number] {
  const h = createHash("sha256").update(seed).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
}

/** sfc32: small, fast and good enough for synthetic data. */
export function rng(seed: string): Rng {
  let [a, b, c, d] = seedWords(seed);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const r: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (items) => {
      let total = 0;
      for (const [, w] of items) total += w;
      let x = next() * total;
      for (const [v, w] of items) {
        x -= w;
        if (x < 0) return v;
      }
      return items[items.length - 1]![0];
    },
  };
  return r;
}

/** A stable UUID (v4 layout) for the n-th object of a kind, so ids can be recomputed instead of stored. */
export function stableUuid(seed: string, kind: string, n: number | string): string {
  const h = createHash("sha256").update(`${seed}/${kind}/${n}`).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Splits total into parts.length shares proportional to a Zipf-like curve (a few
 * large projects, a long tail of small ones); every share is at least min.
 */
export function skewedSplit(total: number, parts: number, exponent = 1, min = 1): number[] {
  if (parts <= 0) return [];
  const weights = Array.from({ length: parts }, (_, i) => 1 / Math.pow(i + 1, exponent));
  const sum = weights.reduce((s, w) => s + w, 0);
  const floor = Math.min(min, Math.floor(total / parts));
  const rest = total - floor * parts;
  const shares = weights.map((w) => floor + Math.floor((rest * w) / sum));
  // Rounding leftovers go to the largest share so the total is exact.
  shares[0]! += total - shares.reduce((s, x) => s + x, 0);
  return shares;
}

/** Splits total into parts as evenly as possible (first parts get the remainder). */
export function evenSplit(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}
