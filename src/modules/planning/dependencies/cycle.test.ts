import { describe, expect, it } from "vitest";
import { cycleClosedBy, pathBetween } from "./cycle.js";

describe("cycle detection", () => {
  it("finds the loop a new edge would close, in dependency order", () => {
    const edges: [string, string][] = [["a", "b"], ["b", "c"], ["c", "d"], ["x", "c"]];
    expect(cycleClosedBy(edges, "d", "a")).toEqual(["d", "a", "b", "c", "d"]);
    expect(cycleClosedBy(edges, "c", "b")).toEqual(["c", "b", "c"]);
    expect(cycleClosedBy(edges, "a", "d")).toBeUndefined();
    expect(cycleClosedBy(edges, "x", "a")).toBeUndefined();
    expect(cycleClosedBy(edges, "a", "a")).toEqual(["a", "a"]);
  });

  it("takes the shortest way back when several exist", () => {
    const edges: [string, string][] = [["a", "b"], ["b", "c"], ["c", "d"], ["a", "d"]];
    expect(pathBetween(edges, "a", "d")).toEqual(["a", "d"]);
  });

  it("walks a chain of 10,000 edges without recursion", () => {
    const edges: [string, string][] = Array.from({ length: 10_000 }, (_, i) => [`t${i}`, `t${i + 1}`]);
    const loop = cycleClosedBy(edges, "t10000", "t0")!;
    expect(loop.length).toBe(10_002);
    expect(loop.slice(0, 3)).toEqual(["t10000", "t0", "t1"]);
    expect(loop.at(-1)).toBe("t10000");
    expect(cycleClosedBy(edges, "t0", "t10000")).toBeUndefined();
  });
});
