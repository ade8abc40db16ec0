import { createRequire } from "node:module";

// node-postgres' own conversion of a parameter to the text it would send: the same
// function makes a literal here, so a statement means the same inlined as parameterized.
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as { prepareValue: (v: unknown) => string | Buffer | null };

/**
 * The statement with its `$n` parameters written as literals, for a multi-statement script
 * (one round trip instead of one per statement). A literal with no type is resolved by the
 * server exactly as an untyped text parameter is. Undefined when the text cannot be inlined
 * safely: dollar quoting, a parameter past the list, a binary value or a NUL character.
 */
export function inlineParams(sql: string, params: readonly unknown[] = []): string | undefined {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // Copy a quoted literal or identifier whole ('' and "" escape the quote inside).
      const end = sql.indexOf(c, i + 1);
      if (end < 0) return undefined;
      out += sql.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === "$") {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 8));
      if (!m) return undefined; // $tag$ dollar quoting
      const n = Number(m[1]);
      if (n < 1 || n > params.length) return undefined;
      const literal = literalOf(params[n - 1]);
      if (literal === undefined) return undefined;
      out += literal;
      i += m[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** A parameter as a literal (what the server reads as it reads the parameter), or undefined for binary data. */
export function literalOf(value: unknown): string | undefined {
  const text = prepareValue(value);
  if (text === null) return "null";
  // A NUL would end the script's text (the protocol's strings are NUL-terminated): such a value
  // goes as a parameter, where PostgreSQL refuses it on its own terms.
  if (typeof text !== "string" || text.includes("\u0000")) return undefined;
  return quoted(text);
}

/**
 * What node-postgres' escapeLiteral writes (quotes doubled; with a backslash, an E'' literal with
 * backslashes doubled), with native replaces instead of a loop per character: the instance save
 * and notification batches carry kilobytes of JSON.
 */
function quoted(text: string): string {
  const q = text.includes("'") ? text.replaceAll("'", "''") : text;
  return text.includes("\\") ? ` E'${q.replaceAll("\\", "\\\\")}'` : `'${q}'`;
}
