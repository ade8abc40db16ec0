import type { BranchNode, Condition } from "./definition.js";

// Branch conditions over the form snapshot. A missing field never matches
// (except `ne`); numbers compare as numbers, strings as strings (ISO dates sort).

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  // A numeric string from a form field still compares with a number in the definition.
  if (typeof a === "string" && typeof b === "number" && a.trim() !== "" && Number.isFinite(Number(a))) return Number(a) - b;
  return undefined;
}

const same = (a: unknown, b: unknown): boolean => {
  if (typeof a === "string" && typeof b === "number") return compare(a, b) === 0;
  return JSON.stringify(a) === JSON.stringify(b);
};

export function conditionHolds(c: Condition, form: Record<string, unknown>): boolean {
  const present = Object.prototype.hasOwnProperty.call(form, c.field) && form[c.field] !== undefined;
  const v = present ? form[c.field] : undefined;
  switch (c.op) {
    case "eq":
      return present && same(v, c.value);
    case "ne":
      return !present || !same(v, c.value);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (!present) return false;
      const d = compare(v, c.value);
      if (d === undefined || Number.isNaN(d)) return false;
      return c.op === "gt" ? d > 0 : c.op === "gte" ? d >= 0 : c.op === "lt" ? d < 0 : d <= 0;
    }
    case "in":
      return present && Array.isArray(c.value) && c.value.some((x) => same(v, x));
    case "contains":
      if (Array.isArray(v)) return v.some((x) => same(x, c.value));
      return typeof v === "string" && typeof c.value === "string" && v.includes(c.value);
  }
}

/** The first matching branch wins; otherwise the default. */
export function chooseBranch(node: BranchNode, form: Record<string, unknown>): { next: string; matched: number | null } {
  const i = node.branches.findIndex((b) => conditionHolds(b.when, form));
  return i >= 0 ? { next: node.branches[i]!.next, matched: i } : { next: node.default, matched: null };
}
