// @mentions in comment markdown: `@alice@example.com`, `@alice`, `@"Ada Lovelace"`,
// and Chinese names written straight after text (`请@张三看一下`). Each mention is
// a list of readings, longest first; the first reading that names org members wins.

export interface MentionCandidate {
  kind: "email" | "name";
  /** Readings to try in order, as written (matched case-insensitively). */
  readings: string[];
}

// An @ preceded by a Latin word character or an email character is part of an
// address (bob@example.com), not a mention; after CJK text it starts one.
const MENTION = /(?<![A-Za-z0-9._%+\-@])@(?:"([^"\n]{1,100})"|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)|([\p{L}\p{N}\p{M}_]+(?:[.'-][\p{L}\p{N}\p{M}_]+)*))/gu;
const CJK_PREFIX = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/u;
const MAX_MENTIONS = 50;
// Chinese, Japanese and Korean names are 2..4 characters, rarely more.
const MAX_CJK_NAME = 8;

export function parseMentions(body: string): MentionCandidate[] {
  const out: MentionCandidate[] = [];
  for (const m of body.matchAll(MENTION)) {
    if (out.length >= MAX_MENTIONS) break;
    const [, quoted, email, word] = m;
    if (quoted !== undefined) {
      const name = quoted.trim();
      if (name) out.push({ kind: "name", readings: [name] });
    } else if (email !== undefined) {
      out.push({ kind: "email", readings: [email.replace(/\.+$/, "")] });
    } else if (word !== undefined) {
      const readings = [word];
      // "@张三看一下" has no space after the name: try the CJK prefixes too, longest first.
      const cjk = Array.from(CJK_PREFIX.exec(word)?.[0] ?? "");
      for (let n = Math.min(cjk.length, MAX_CJK_NAME); n >= 1; n--) {
        const prefix = cjk.slice(0, n).join("");
        if (!readings.includes(prefix)) readings.push(prefix);
      }
      out.push({ kind: "name", readings });
    }
  }
  return out;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
}

/** The user ids mentioned, in order of first mention; a name shared by several members mentions each. */
export function resolveMentions(candidates: MentionCandidate[], members: Member[]): string[] {
  const ids = new Set<string>();
  for (const c of candidates) {
    for (const reading of c.readings.map((r) => r.toLowerCase())) {
      const hits = members.filter((m) => (c.kind === "email" ? m.email : m.name).toLowerCase() === reading);
      if (hits.length === 0) continue;
      for (const h of hits) ids.add(h.user_id);
      break;
    }
  }
  return [...ids];
}

/**
 * What the database must look up: each reading lowercased and as written, since
 * PostgreSQL's lower() under the C collation folds ASCII letters only.
 */
export function lookupKeys(candidates: MentionCandidate[]): { emails: string[]; names: string[] } {
  const emails = new Set<string>();
  const names = new Set<string>();
  for (const c of candidates) {
    for (const r of c.readings) {
      const set = c.kind === "email" ? emails : names;
      set.add(r.toLowerCase());
      set.add(r);
    }
  }
  return { emails: [...emails], names: [...names] };
}
