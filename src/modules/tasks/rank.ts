// Board order keys: fractional indexing over base-62 strings (the scheme of
// Figma's and rocicorp's fractional-indexing). A key is an "integer" part whose
// first character encodes its length, followed by a fraction without trailing
// zeros. Keys compare as plain byte strings (the column is collated "C"), so a
// task moves between two neighbours by writing one new key: nobody is renumbered.
// Appending grows keys logarithmically; inserting again and again at one spot
// grows them by about one character per six inserts.

export const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ZERO = DIGITS[0]!;
const LAST = DIGITS[DIGITS.length - 1]!;
const SMALLEST_INTEGER = `A${ZERO.repeat(26)}`;

/** The key of the first item of an empty list. */
export const FIRST_RANK = `a${ZERO}`;

const digit = (c: string): number => {
  const d = DIGITS.indexOf(c);
  if (d < 0) throw new Error(`invalid rank digit "${c}"`);
  return d;
};

/** A key strictly between a and b (both fractions, a < b; "" = 0, null = 1). */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    let n = 0;
    while ((a[n] ?? ZERO) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? digit(a[0]!) : 0;
  const db = b !== null ? digit(b[0]!) : DIGITS.length;
  if (db - da > 1) return DIGITS[Math.round((da + db) / 2)]!;
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return DIGITS[da]! + midpoint(a.slice(1), null);
}

function integerLength(head: string): number {
  if (head >= "a" && head <= "z") return head.charCodeAt(0) - 97 + 2;
  if (head >= "A" && head <= "Z") return 90 - head.charCodeAt(0) + 2;
  throw new Error(`invalid rank head "${head}"`);
}

function integerPart(key: string): string {
  const len = integerLength(key[0] ?? "");
  if (len > key.length) throw new Error(`invalid rank "${key}"`);
  return key.slice(0, len);
}

function incrementInteger(x: string): string | null {
  const head = x[0]!;
  const digits = x.slice(1).split("");
  let carry = true;
  for (let i = digits.length - 1; carry && i >= 0; i--) {
    const d = digit(digits[i]!) + 1;
    if (d === DIGITS.length) digits[i] = ZERO;
    else {
      digits[i] = DIGITS[d]!;
      carry = false;
    }
  }
  if (!carry) return head + digits.join("");
  if (head === "Z") return `a${ZERO}`;
  if (head === "z") return null;
  const next = String.fromCharCode(head.charCodeAt(0) + 1);
  if (next > "a") digits.push(ZERO);
  else digits.pop();
  return next + digits.join("");
}

function decrementInteger(x: string): string | null {
  const head = x[0]!;
  const digits = x.slice(1).split("");
  let borrow = true;
  for (let i = digits.length - 1; borrow && i >= 0; i--) {
    const d = digit(digits[i]!) - 1;
    if (d === -1) digits[i] = LAST;
    else {
      digits[i] = DIGITS[d]!;
      borrow = false;
    }
  }
  if (!borrow) return head + digits.join("");
  if (head === "a") return `Z${LAST}`;
  if (head === "A") return null;
  const next = String.fromCharCode(head.charCodeAt(0) - 1);
  if (next < "Z") digits.push(LAST);
  else digits.pop();
  return next + digits.join("");
}

/** True when s is a well-formed key (integer part plus a fraction without trailing zero). */
export function isRank(s: string): boolean {
  if (s.length === 0 || s === SMALLEST_INTEGER) return false;
  try {
    const int = integerPart(s);
    for (const c of s) digit(c);
    const fraction = s.slice(int.length);
    return !fraction.endsWith(ZERO);
  } catch {
    return false;
  }
}

/**
 * A key strictly between `before` and `after` (null = open end). Throws when
 * before >= after: callers pass neighbours read from the database in order.
 */
export function rankBetween(before: string | null, after: string | null): string {
  if (before !== null && after !== null && before >= after) throw new Error(`rank ${before} is not below ${after}`);
  if (before === null) {
    if (after === null) return FIRST_RANK;
    const ib = integerPart(after);
    const fb = after.slice(ib.length);
    if (ib === SMALLEST_INTEGER) return ib + midpoint("", fb);
    if (ib < after) return ib;
    const dec = decrementInteger(ib);
    if (dec === null) throw new Error("cannot rank before the smallest key");
    return dec;
  }
  const ia = integerPart(before);
  const fa = before.slice(ia.length);
  if (after === null) {
    const inc = incrementInteger(ia);
    return inc === null ? ia + midpoint(fa, null) : inc;
  }
  const ib = integerPart(after);
  const fb = after.slice(ib.length);
  if (ia === ib) return ia + midpoint(fa, fb);
  const inc = incrementInteger(ia);
  if (inc !== null && inc < after) return inc;
  return ia + midpoint(fa, null);
}
