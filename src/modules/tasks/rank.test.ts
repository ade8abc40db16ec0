import { describe, expect, it } from "vitest";
import { FIRST_RANK, isRank, rankBetween } from "./rank.js";

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("rankBetween", () => {
  it("starts an empty list with the first key and places keys around it", () => {
    expect(rankBetween(null, null)).toBe(FIRST_RANK);
    const after = rankBetween(FIRST_RANK, null);
    const before = rankBetween(null, FIRST_RANK);
    expect(before < FIRST_RANK && FIRST_RANK < after).toBe(true);
  });

  it("returns a key strictly between two neighbours", () => {
    const a = "a0";
    const b = "a1";
    const m = rankBetween(a, b);
    expect(a < m && m < b).toBe(true);
    expect(isRank(m)).toBe(true);
  });

  it("refuses neighbours that are equal or out of order", () => {
    expect(() => rankBetween("a1", "a1")).toThrow();
    expect(() => rankBetween("a2", "a1")).toThrow();
  });

  it("keeps keys ordered and short when 1,000 items are appended", () => {
    let last: string | null = null;
    const keys: string[] = [];
    for (let i = 0; i < 1000; i++) {
      last = rankBetween(last, null);
      keys.push(last);
    }
    expect([...keys].sort(byteOrder)).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThanOrEqual(3);
  });

  it("keeps keys ordered when 1,000 items are prepended", () => {
    let first: string | null = null;
    const keys: string[] = [];
    for (let i = 0; i < 1000; i++) {
      first = rankBetween(null, first);
      keys.unshift(first);
    }
    expect([...keys].sort(byteOrder)).toEqual(keys);
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThanOrEqual(3);
  });

  it("survives 500 inserts at the same spot, right after one item, without renumbering its neighbours", () => {
    const left = rankBetween(null, null);
    const right = rankBetween(left, null);
    // Each new item goes directly after `left`, i.e. before the previously inserted one.
    let upper = right;
    const inserted: string[] = [];
    for (let i = 0; i < 500; i++) {
      const k = rankBetween(left, upper);
      expect(left < k && k < upper).toBe(true);
      expect(isRank(k)).toBe(true);
      inserted.push(k);
      upper = k;
    }
    const all = [left, ...[...inserted].reverse(), right];
    expect([...all].sort(byteOrder)).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    // About one character per six inserts: grows, but stays far below the column's comfort zone.
    expect(Math.max(...inserted.map((k) => k.length))).toBeLessThan(120);
  });

  it("survives 500 inserts alternating between the two sides of a gap", () => {
    let lo = "a0";
    let hi = "a1";
    for (let i = 0; i < 500; i++) {
      const k = rankBetween(lo, hi);
      expect(lo < k && k < hi).toBe(true);
      if (i % 2 === 0) lo = k;
      else hi = k;
    }
  });

  it("inserts correctly between keys of different integer lengths", () => {
    const small = "Zz";
    const big = "b000";
    const m = rankBetween(small, big);
    expect(small < m && m < big).toBe(true);
    const m2 = rankBetween("az", "b00");
    expect("az" < m2 && m2 < "b00").toBe(true);
  });
});

describe("isRank", () => {
  it("accepts generated keys and rejects malformed ones", () => {
    expect(isRank("a0")).toBe(true);
    expect(isRank("a0V")).toBe(true);
    expect(isRank("")).toBe(false);
    expect(isRank("a")).toBe(false);
    expect(isRank("a00")).toBe(false);
    expect(isRank("a0-")).toBe(false);
  });
});
