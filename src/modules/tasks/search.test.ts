import { describe, expect, it } from "vitest";
import { MAX_TOKENS, indexTokens, likePatterns, queryTokens } from "./search.js";

describe("indexTokens", () => {
  it("indexes every CJK character and every overlapping bigram", () => {
    expect(indexTokens("审批流程").sort()).toEqual(["审", "审批", "批", "批流", "流", "流程", "程"].sort());
  });

  it("indexes Latin word prefixes of 2..20 characters plus the whole word, lowercased", () => {
    expect(indexTokens("Design").sort()).toEqual(["de", "des", "desi", "desig", "design"].sort());
    const long = "internationalization-ready";
    const tokens = indexTokens(long);
    expect(tokens).toContain("internationalization".slice(0, 20));
    expect(tokens).not.toContain("i");
    expect(tokens.every((t) => t.length <= 20)).toBe(true);
    expect(tokens).toContain("ready");
  });

  it("keeps one-letter words whole and splits on punctuation", () => {
    expect(indexTokens("a, b!").sort()).toEqual(["a", "b"]);
  });

  it("splits mixed Chinese and English at the script boundary", () => {
    const tokens = indexTokens("设计review会议");
    expect(tokens).toEqual(expect.arrayContaining(["设", "设计", "计", "re", "review", "会议"]));
    expect(tokens).not.toContain("计r");
  });

  it("treats kana and hangul as CJK and applies NFKC (full-width letters, half-width kana)", () => {
    expect(indexTokens("ＡＢＣ")).toEqual(expect.arrayContaining(["ab", "abc"]));
    expect(indexTokens("ﾃｽﾄ")).toEqual(expect.arrayContaining(["テ", "テス", "スト"]));
    expect(indexTokens("회의")).toEqual(expect.arrayContaining(["회", "의", "회의"]));
  });

  it("combines title and description and de-duplicates", () => {
    const tokens = indexTokens("设计", "设计 design");
    expect(tokens.filter((t) => t === "设计")).toHaveLength(1);
    expect(tokens).toContain("design");
  });

  it("never emits more than MAX_TOKENS tokens or whole words too long for an index entry", () => {
    const huge = Array.from({ length: 30_000 }, (_, i) => `w${i.toString(36)}x`).join(" ");
    expect(indexTokens(huge).length).toBeLessThanOrEqual(MAX_TOKENS);
    const blob = "x".repeat(5000);
    expect(Math.max(...indexTokens(blob).map((t) => t.length))).toBe(20);
  });
});

describe("queryTokens", () => {
  it("uses the character itself for a one-character CJK query", () => {
    expect(queryTokens("审")).toEqual(["审"]);
  });

  it("uses bigrams for longer CJK runs", () => {
    expect(queryTokens("审批")).toEqual(["审批"]);
    expect(queryTokens("审批流程")).toEqual(["审批", "批流", "流程"]);
  });

  it("uses Latin words of two or more characters, cut to 20", () => {
    expect(queryTokens("Desi")).toEqual(["desi"]);
    expect(queryTokens("a")).toEqual([]);
    expect(queryTokens("internationalization-ready")).toEqual(["internationalization", "ready"]);
  });

  it("finds every query token among the tokens of matching text", () => {
    const doc = new Set(indexTokens("季度预算审批流程", "Design review of the internationalization plan"));
    for (const q of ["审批", "预", "审批流程", "desi", "review plan", "预算 design"]) {
      for (const t of queryTokens(q)) expect(doc.has(t), `${q}: ${t}`).toBe(true);
    }
  });
});

describe("likePatterns", () => {
  it("makes one pattern per whitespace-separated term and escapes wildcards", () => {
    expect(likePatterns("  审批  100%_done\\ ")).toEqual(["%审批%", "%100\\%\\_done\\\\%"]);
  });
});
