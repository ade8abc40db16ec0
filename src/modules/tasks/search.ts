// Text search that works for Chinese (and Japanese, Korean) as well as English,
// with nothing but core PostgreSQL: the application turns text into tokens, stores
// them in tasks.search_tokens (GIN-indexed text[]) and queries with `@>`.
//
// - CJK runs (Han, Hiragana, Katakana, Hangul): every character and every
//   overlapping bigram. Most Chinese words are two characters (审批, 设计), which
//   trigram indexes cannot serve.
// - Other words (letters and digits, NFKC, lowercased): prefixes of 2..20
//   characters and the whole word, so "desi" finds "design".
// The index narrows the candidates; an ILIKE per query term keeps only real
// substring matches (bigrams alone would also match 审…批 split apart).

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

export const MAX_PREFIX = 20;
// A GIN entry must fit in a page: longer "words" (hashes, base64) are found through
// their 20-character prefix anyway, because query words are cut to 20 characters.
const MAX_WHOLE_WORD = 64;
// Bounds the index entry of one task; text beyond this many distinct tokens is not searchable.
export const MAX_TOKENS = 20_000;

interface Run {
  kind: "cjk" | "word";
  chars: string[];
}

/** Splits text into CJK runs and other words (NFKC, lowercased); everything else separates. */
export function runs(text: string): Run[] {
  const out: Run[] = [];
  let current: Run | undefined;
  for (const ch of text.normalize("NFKC").toLowerCase()) {
    const kind = CJK_CHAR.test(ch) ? "cjk" : WORD_CHAR.test(ch) ? "word" : undefined;
    if (kind === undefined) {
      current = undefined;
      continue;
    }
    if (current?.kind !== kind) {
      current = { kind, chars: [] };
      out.push(current);
    }
    current.chars.push(ch);
  }
  return out;
}

/** Tokens stored for a task, built from its title and description at write time. */
export function indexTokens(...texts: string[]): string[] {
  const tokens = new Set<string>();
  const add = (t: string) => {
    if (tokens.size < MAX_TOKENS) tokens.add(t);
  };
  for (const text of texts) {
    for (const run of runs(text)) {
      const c = run.chars;
      if (run.kind === "cjk") {
        for (let i = 0; i < c.length; i++) {
          add(c[i]!);
          if (i + 1 < c.length) add(c[i]! + c[i + 1]!);
        }
      } else {
        for (let n = 2; n <= Math.min(MAX_PREFIX, c.length); n++) add(c.slice(0, n).join(""));
        if (c.length <= MAX_WHOLE_WORD) add(c.join(""));
      }
    }
  }
  return [...tokens];
}

/** Tokens a task must contain to match a query (may be empty: then only ILIKE filters). */
export function queryTokens(q: string): string[] {
  const tokens = new Set<string>();
  for (const run of runs(q)) {
    const c = run.chars;
    if (run.kind === "cjk") {
      if (c.length === 1) tokens.add(c[0]!);
      for (let i = 0; i + 1 < c.length; i++) tokens.add(c[i]! + c[i + 1]!);
    } else if (c.length >= 2) {
      tokens.add(c.slice(0, MAX_PREFIX).join(""));
    }
  }
  return [...tokens];
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** ILIKE patterns, one per whitespace-separated term; every one must match title or description. */
export function likePatterns(q: string): string[] {
  return q
    .normalize("NFKC")
    .split(/\s+/u)
    .filter((term) => term.length > 0)
    .map((term) => `%${escapeLike(term)}%`);
}
