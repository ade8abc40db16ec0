import { describe, expect, it } from "vitest";
import { cycleClosedBy, loopClosedBy, loopClosedByParent, pathBetween } from "./cycle.js";

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

describe("loops through summary tasks", () => {
  // S summarizes C1 and C2; A -> S; C1 -> C2.
  const parents = new Map([["C1", "S"], ["C2", "S"]]);
  const links: [string, string][] = [["A", "S"], ["C1", "C2"]];

  it("refuses linking a task to its own summary, either way", () => {
    expect(loopClosedBy(links, parents, "S", "C1")).toEqual(["S", "C1", "S"]);
    expect(loopClosedBy(links, parents, "C2", "S")).toEqual(["C2", "S", "C2"]);
  });

  it("finds a loop that runs through a summary's subtasks", () => {
    // B after the whole of S, and C1 (part of S) after B.
    expect(loopClosedBy([...links, ["S", "B"]], parents, "B", "C1")).toEqual(["B", "C1", "S", "B"]);
    expect(loopClosedBy(links, parents, "C2", "A")).toEqual(["C2", "A", "S", "C2"]);
    expect(loopClosedBy(links, parents, "C2", "B")).toBeUndefined();
    expect(loopClosedBy(links, parents, "A", "C1")).toBeUndefined();
  });

  it("finds the loop a new summary would close", () => {
    // B -> X and X -> C1: making B part of S puts it both after and before the whole of S.
    const more: [string, string][] = [...links, ["S", "X"], ["X", "B"]];
    expect(loopClosedByParent(more, new Map([...parents, ["B", "S"]]), "B", "S")).toEqual(["S", "X", "B", "S"]);
    expect(loopClosedByParent(links, new Map([...parents, ["B", "S"]]), "B", "S")).toBeUndefined();
    // A precedes S: A cannot become a part of it.
    expect(loopClosedByParent(links, new Map([...parents, ["A", "S"]]), "A", "S")).toEqual(["S", "A", "S"]);
  });
});
