import { invalid } from "./errors.js";
import { isUuid } from "./ids.js";

// Keyset pagination cursors: the sort key of the last row, opaque to clients.

export function encodeCursor(values: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/**
 * Decodes a cursor of `length` values; anything else is a 400 on `query.cursor`.
 * `shape` optionally checks each value (e.g. that an id is a UUID) so a forged
 * cursor can never reach the database as a wrongly typed parameter.
 */
export function decodeCursor(
  cursor: string | undefined,
  length: number,
  shape?: readonly ((v: string | number | null) => boolean)[],
): (string | number | null)[] | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("query.cursor", "is not a valid cursor");
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === length &&
    parsed.every((v) => v === null || (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.length <= 200 && !v.includes("\u0000")));
  if (!ok) throw invalid("query.cursor", "is not a valid cursor");
  const values = parsed as (string | number | null)[];
  if (shape && !shape.every((check, i) => check(values[i] ?? null))) throw invalid("query.cursor", "is not a valid cursor");
  return values;
}

export const cursorIs = {
  text: (v: string | number | null): boolean => typeof v === "string",
  uuid: (v: string | number | null): boolean => typeof v === "string" && isUuid(v),
};

/** Takes one extra row to know whether another page exists. */
export function pageOf<R, T>(rows: R[], limit: number, key: (r: R) => (string | number | null)[], map: (r: R) => T) {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(map), nextCursor: more && last !== undefined ? encodeCursor(key(last)) : null };
}
