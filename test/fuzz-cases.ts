import { branches, sampleOf, typeOf, type OpenApiDoc, type Schema } from "./samples.js";

// Malformed variants of one valid request, derived from the operation's schemas.
// A seeded generator picks among the nastier values so a run is repeatable: the
// seed is printed with every failure (FUZZ_SEED=... reproduces it).

export type Rng = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, list: readonly T[], n: number): T[] => {
  const copy = [...list];
  const out: T[] = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(rng() * copy.length), 1)[0]!);
  return out;
};

/** Text that breaks naive code: control and zero-width characters, RTL overrides, emoji, injection-shaped strings. */
export const NASTY_STRINGS: readonly string[] = [
  "\u0000",
  "nul\u0000inside",
  "\u202Eevil\u202C",
  "مرحبا بالعالم",
  "שלום",
  "审批任务😀👩‍👩‍👧‍👦",
  "\uD800",
  "\uFEFF",
  "\u200B\u200D",
  "   ",
  "\r\n\t",
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  "$1",
  "%s%n%x",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "{{7*7}}",
  "\\",
  "🏳️‍🌈".repeat(300),
  "ſ".repeat(50),
  "null",
  "-0",
  "9".repeat(400),
];

/** Path parameter values no real resource has: traversal, NUL, over-long, injection-shaped, near-misses. */
export function badPathValues(real: string): string[] {
  return [
    "..",
    "%2e%2e",
    "%00",
    "%zz",
    "a".repeat(600),
    "a".repeat(200),
    encodeURIComponent("' OR '1'='1"),
    encodeURIComponent("1;DROP TABLE users--"),
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    real.toUpperCase(),
    `${real}x`,
    real.slice(0, -1),
    encodeURIComponent("😀"),
    encodeURIComponent("\u202E"),
    "-1",
    "0",
    "null",
    "ENG-0",
    "ENG-99999999999999999999",
    "ENG--1",
    "eng-1",
    "ENG-1.5",
    "ENG-%00",
  ];
}

/** Query values that are the wrong type, out of range, or hostile text. */
export const BAD_QUERY_VALUES: readonly string[] = [
  "abc",
  "-1",
  "0",
  "1.5",
  "",
  "99999999999999999999",
  "1e309",
  "%00",
  encodeURIComponent("' OR 1=1--"),
  "x".repeat(5000),
  "[]",
  encodeURIComponent("审批😀"),
  "true",
  "2026-13-45",
  "null",
];

/** Cursors that decode but point nowhere sensible: wrong arity, wrong types, text where a date is expected. */
export function badCursors(): string[] {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return [
    "!!!",
    "e30",
    enc({}),
    enc([]),
    enc(["not-a-date"]),
    enc(["\u0000"]),
    enc(["\uD800"]),
    enc([null]),
    enc([1e308]),
    enc(["not-a-date", "not-a-uuid"]),
    enc(["2026-01-01T00:00:00.000Z", "00000000-0000-0000-0000-000000000000"]),
    enc([1e308, "x"]),
    enc([null, null]),
    enc(["x", "y", "z"]),
    enc([-1, "'; drop table tasks; --"]),
    enc(["\u0000", "\u0000"]),
  ];
}

/** Values of the wrong type, or the right type in the wrong shape, for one property. */
export function badValuesFor(schema: Schema, doc: OpenApiDoc, rng: Rng): unknown[] {
  const s = branches(schema, doc)[0]!;
  const type = typeOf(schema, doc);
  const common: unknown[] = [null, [], {}, true, 0, -1, "", "x".repeat(300_000)];
  switch (type) {
    case "string": {
      const max = (s.maxLength as number | undefined) ?? 1000;
      return [...common, 12345, 1.5, "x".repeat(max + 1), "not-a-uuid-or-date", "2026-02-30", "00000000-0000-0000-0000-000000000000", ...pick(rng, NASTY_STRINGS, 4)];
    }
    case "integer":
    case "number":
      return [...common, "1", "abc", 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, Number.MAX_SAFE_INTEGER, -0.0001];
    case "boolean":
      return [...common, "true", 1, "yes"];
    case "array": {
      const item = sampleOf(s.items as Schema | undefined, doc);
      return [...common, "x", [null], [{}], [[item]], Array.from({ length: 10_000 }, () => item), [item, item]];
    }
    case "object":
      return [...common, "x", [{}], deepObject(2000), { unexpected: 1 }];
    case undefined:
    default:
      return common;
  }
}

/** Nested {a:{a:...}} `depth` levels deep. */
export function deepObject(depth: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Whole bodies that are not the object the operation wants, as raw bytes. */
export function badBodies(valid: unknown, bodyLimit: number): { label: string; payload: string | Buffer }[] {
  const json = JSON.stringify(valid ?? {});
  return [
    { label: "null", payload: "null" },
    { label: "empty array", payload: "[]" },
    { label: "array of the body", payload: `[${json}]` },
    { label: "string", payload: '"text"' },
    { label: "number", payload: "42" },
    { label: "huge number", payload: "1e999" },
    { label: "true", payload: "true" },
    { label: "empty object", payload: "{}" },
    { label: "truncated", payload: json.slice(0, Math.max(1, json.length - 1)) },
    { label: "trailing comma", payload: json.replace(/}$/, ',}') },
    { label: "single quotes", payload: json.replace(/"/g, "'") },
    { label: "BOM", payload: `\uFEFF${json}` },
    { label: "__proto__", payload: json.replace(/^{/, '{"__proto__":{"polluted":1},') },
    { label: "constructor.prototype", payload: json.replace(/^{/, '{"constructor":{"prototype":{"polluted":1}},') },
    { label: "duplicate keys", payload: json.replace(/^{/, '{"x":1,"x":2,') },
    { label: "unknown field", payload: json.replace(/^{/, '{"unexpectedField":true,') },
    { label: "deep object", payload: `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}` },
    { label: "deep array", payload: `${"[".repeat(50_000)}${"]".repeat(50_000)}` },
    { label: "invalid UTF-8", payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
    { label: "over the body limit", payload: `{"x":"${"a".repeat(bodyLimit + 16)}"}` },
  ];
}

/** Content types the API does not speak, with a body each would plausibly carry. */
export function badContentTypes(validJson: string): { contentType: string | undefined; payload: string }[] {
  return [
    { contentType: "text/plain", payload: validJson },
    { contentType: "application/x-www-form-urlencoded", payload: "name=x&key=AB" },
    { contentType: "multipart/form-data; boundary=xyz", payload: '--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--xyz--' },
    { contentType: "application/xml", payload: "<name>x</name>" },
    { contentType: "application/json; charset=utf-16", payload: validJson },
    { contentType: "application/json; charset=latin1", payload: validJson },
    { contentType: "Application/JSON", payload: validJson },
    { contentType: "application/vnd.api+json", payload: validJson },
    { contentType: ";;;", payload: validJson },
    { contentType: undefined, payload: validJson },
    { contentType: "application/json", payload: "" },
  ];
}

/** Header values that must be refused politely, whatever the route. */
export const BAD_HEADERS: readonly Record<string, string>[] = [
  { authorization: "Bearer" },
  { authorization: `Bearer ${"x".repeat(5000)}` },
  { authorization: "Basic Zm9vOmJhcg==" },
  { authorization: "Bearer pls_' OR '1'='1" },
  { cookie: "plinth_session=garbage; plinth_csrf=x", "x-csrf-token": "y" },
  { "if-match": "zzz" },
  { "if-match": '"99999999999999"' },
  { "if-match": 'W/"-1"' },
  { "idempotency-key": "x".repeat(300) },
  { "idempotency-key": "" },
  { "accept-language": "zh-CN;q=abc,,*;q=-1" },
  { "x-request-id": "../../etc/passwd" },
  { accept: "application/xml" },
];

/** `root` with the value at `path` replaced (or, for `undefined`, removed); `root` is left as it was. */
function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

export interface BodyMutation {
  label: string;
  body: unknown;
}

/**
 * Bodies where one property, at any depth up to `maxDepth`, holds a bad value or is missing.
 * Optional properties absent from the valid body get a valid sample first, so their insides are reached too.
 */
export function propertyMutations(valid: unknown, schema: Schema | undefined, doc: OpenApiDoc, rng: Rng, maxDepth = 3): BodyMutation[] {
  const out: BodyMutation[] = [];
  const visit = (root: unknown, value: unknown, s: Schema | undefined, path: (string | number)[]) => {
    const shape = branches(s ?? {}, doc)[0]!;
    const at = path.join(".");
    if (shape.type === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [prop, propSchema] of Object.entries((shape.properties ?? {}) as Record<string, Schema>)) {
        const bad = badValuesFor(propSchema, doc, rng);
        for (const v of path.length === 0 ? bad : pick(rng, bad, 6)) out.push({ label: `${at ? `${at}.` : ""}${prop}=${JSON.stringify(v)?.slice(0, 40)}`, body: setAt(root, [...path, prop], v) });
        const current = (value as Record<string, unknown>)[prop];
        if (current !== undefined) out.push({ label: `without ${at ? `${at}.` : ""}${prop}`, body: setAt(root, [...path, prop], undefined) });
        if (path.length + 1 < maxDepth) {
          const child = current ?? sampleOf(propSchema, doc);
          visit(current === undefined ? setAt(root, [...path, prop], child) : root, child, propSchema, [...path, prop]);
        }
      }
    } else if (shape.type === "array" && Array.isArray(value) && path.length + 1 < maxDepth) {
      const items = shape.items as Schema | undefined;
      const child = value[0] ?? sampleOf(items, doc);
      visit(value.length > 0 ? root : setAt(root, [...path, 0], child), child, items, [...path, 0]);
    }
  };
  visit(valid, valid, schema, []);
  return out;
}
