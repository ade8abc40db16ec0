import type pg from "pg";
import { inlineParams, literalOf } from "./inline.js";
import { oneByOne, type Statement, type StatementRunner } from "./queued-writes.js";
import type { QueryResult } from "./types.js";

/**
 * Statements with parameters run as prepared statements: each connection parses and analyzes
 * one once, and PostgreSQL may reuse its plan, instead of doing both on every call (for the
 * approval and notification writes, most of their server CPU). Names are handed out per
 * distinct text, up to a bound: SQL assembled from many variants stays unnamed past it.
 */
const MAX_PREPARED = 1000;
const statementNames = new Map<string, string>();
let namesIssued = 0;

export function statementName(sql: string): string | undefined {
  const known = statementNames.get(sql);
  if (known !== undefined || statementNames.size >= MAX_PREPARED) return known;
  const name = `plinth_${++namesIssued}`;
  statementNames.set(sql, name);
  return name;
}

/**
 * A migration that changes the columns of a table a prepared `select *` reads makes PostgreSQL
 * refuse the old statement; the next call prepares the text afresh under a new name.
 */
export function forgetIfStale(err: unknown, sqls: readonly string[]): void {
  const stale = err instanceof Error && (err as { code?: string }).code === "0A000" && err.message.includes("cached plan");
  if (stale) for (const sql of sqls) statementNames.delete(sql);
}

/** Statements each connection has prepared with SQL `PREPARE` (scripts), by name. */
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

type Run = <T>(sql: string, params?: readonly unknown[]) => Promise<QueryResult<T>>;

/**
 * Runs one transaction's statements on its connection in as few round trips as it can. The
 * `begin` waits for the first statements and goes with them; statements that meet (queued
 * writes with the next statement, or with the commit) go as one script, one round trip, each
 * as `EXECUTE` of a statement the connection prepared once (`PREPARE`, sent the first time in
 * the same script), its parameters written as literals. What cannot be written so runs one
 * statement at a time.
 */
export class ScriptRunner implements StatementRunner {
  private begun = false;
  /** A failed script that prepared statements leaves it unknown which exist: drop the connection. */
  discard = false;
  private readonly prepared: Set<string>;
  private readonly plain: StatementRunner;

  constructor(
    private readonly client: pg.PoolClient,
    run: Run,
    private readonly types: pg.CustomTypesConfig,
  ) {
    let known = preparedOn.get(client);
    if (!known) preparedOn.set(client, (known = new Set()));
    this.prepared = known;
    this.plain = oneByOne({
      query: run,
      exec: async (sql) => {
        await client.query(sql);
      },
    });
  }

  get started(): boolean {
    return this.begun;
  }

  async run<T>(statements: readonly Statement[]): Promise<QueryResult<T>> {
    const all = this.begun ? statements : [{ sql: "begin", raw: true }, ...statements];
    this.begun = true;
    const script = all.length > 1 ? this.scriptOf(all) : undefined;
    if (!script) return this.plain.run<T>(all);
    try {
      const r = (await this.client.query({ text: script.text, types: this.types })) as unknown as pg.QueryResult | pg.QueryResult[];
      for (const name of script.preparing) this.prepared.add(name);
      const last = Array.isArray(r) ? r.at(-1)! : r;
      return { rows: last.rows as T[], rowCount: last.rowCount ?? last.rows.length };
    } catch (err) {
      if (script.preparing.length > 0) this.discard = true;
      forgetIfStale(err, all.map((s) => s.sql));
      throw err;
    }
  }

  private scriptOf(statements: readonly Statement[]): { text: string; preparing: string[] } | undefined {
    const parts: string[] = [];
    const preparing: string[] = [];
    for (const s of statements) {
      // Without parameters a statement goes as written (as the protocol path does not prepare it).
      if (s.raw || !s.params || s.params.length === 0) {
        parts.push(s.sql);
        continue;
      }
      const args = s.params.map(literalOf);
      if (args.some((a) => a === undefined)) return undefined;
      const name = statementName(s.sql);
      if (name === undefined) {
        const text = inlineParams(s.sql, s.params);
        if (text === undefined) return undefined;
        parts.push(text);
        continue;
      }
      const scripted = `${name}_s`; // protocol-level prepared statements use the bare name
      if (!this.prepared.has(scripted) && !preparing.includes(scripted)) {
        parts.push(`prepare ${scripted} as ${s.sql}`);
        preparing.push(scripted);
      }
      parts.push(args.length > 0 ? `execute ${scripted}(${args.join(", ")})` : `execute ${scripted}`);
    }
    return { text: parts.join(";\n"), preparing };
  }
}
