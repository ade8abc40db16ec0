import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "../../../test/app.js";
import { inlineParams } from "./inline.js";
import { openPostgres } from "./postgres.js";
import type { Database } from "./types.js";

// Queued writes (audit, outbox, idempotency marks) run in order before the transaction's next
// statement or its commit; on PostgreSQL they go with the commit as one script with their
// parameters written as literals. Whatever the values, what lands must be what was queued.

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await t.platform.db.query(
    `create table queued_probe (k text primary key, s text, j jsonb, tags text[], ids uuid[], docs jsonb[], at timestamptz, flag boolean, n numeric)`,
  );
});
afterAll(async () => t.close());

const awkward = [
  "plain",
  "it's a 'quote'",
  "back\\slash \\' and \\\\ twice",
  "dollar $1 and $$ and $tag$ inside",
  "换行\nand tab\t审批 🚀",
  "",
];

const row = (k: string, s: string) => [
  k,
  s,
  JSON.stringify({ s, nested: { quote: `"${s}"`, list: [s, null] } }),
  [s, "x,y", '"q"', "NULL", null],
  ["7d0b2a4e-4a2f-4c59-9e55-1f3b8f6f0a11", null],
  [JSON.stringify({ s }), JSON.stringify([s])],
  new Date("2026-11-26T08:30:00.123Z"),
  k.length % 2 === 0,
  "12345678901234567890.5",
];

const INSERT = "insert into queued_probe (k, s, j, tags, ids, docs, at, flag, n) values ($1, $2, $3, $4, $5::uuid[], $6::jsonb[], $7, $8, $9)";
const READ = "select s, j, tags, ids, docs, at, flag, n::text as n from queued_probe where k = $1";

describe("queued writes", () => {
  it("store every value exactly as a parameterized statement does", async () => {
    await t.platform.db.tx(async (tx) => {
      for (const [i, s] of awkward.entries()) tx.queueWrite(INSERT, row(`queued-${i}`, s));
    });
    for (const [i, s] of awkward.entries()) {
      await t.platform.db.query(INSERT, row(`direct-${i}`, s));
      const [queued] = (await t.platform.db.query(READ, [`queued-${i}`])).rows;
      const [direct] = (await t.platform.db.query(READ, [`direct-${i}`])).rows;
      expect(queued, s).toEqual(direct);
      expect((queued as { s: string }).s).toBe(s);
    }
  });

  it("run before the transaction's next statement, in order", async () => {
    const seen = await t.platform.db.tx(async (tx) => {
      tx.queueWrite(INSERT, row("order-1", "first"));
      tx.queueWrite("update queued_probe set s = s || ' then second' where k = $1", ["order-1"]);
      return (await tx.query<{ s: string }>("select s from queued_probe where k = $1", ["order-1"])).rows[0]?.s;
    });
    expect(seen).toBe("first then second");
  });

  it("roll the whole transaction back when one of them fails at commit", async () => {
    await expect(
      t.platform.db.tx(async (tx) => {
        await tx.query(INSERT, row("rollback-1", "written first"));
        tx.queueWrite(INSERT, row("rollback-2", "queued"));
        tx.queueWrite(INSERT, row("rollback-1", "duplicate key"));
      }),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await t.platform.db.query("select k from queued_probe where k like 'rollback-%'");
    expect(rows).toEqual([]);
    // The connection is usable afterwards.
    await t.platform.db.tx(async (tx) => tx.queueWrite(INSERT, row("rollback-3", "after")));
    expect((await t.platform.db.query(READ, ["rollback-3"])).rows).toHaveLength(1);
  });
});

// On PostgreSQL, statements that meet go as one script of EXECUTEs of statements the connection
// prepared once. One connection (pool of 1) makes what it has prepared observable.
describe.runIf(testMode === "postgres")("scripts on one PostgreSQL connection", () => {
  let one: Database;
  beforeAll(() => {
    one = openPostgres({ url: t.config.databaseUrl!, readUrls: [], poolSize: 1, statementTimeoutMs: 10_000 });
  });
  afterAll(async () => one.close());

  const prepared = async () =>
    (await one.query<{ name: string; statement: string }>("select name, statement from pg_prepared_statements where name like 'plinth%_s'")).rows;

  it("prepare a statement once and execute it in later transactions", async () => {
    for (const k of ["script-1", "script-2", "script-3"]) {
      await one.tx(async (tx) => {
        tx.queueWrite(INSERT, row(k, `value of ${k}`));
      });
    }
    const inserts = (await prepared()).filter((p) => p.statement.includes("insert into queued_probe"));
    expect(inserts).toHaveLength(1);
    for (const k of ["script-1", "script-2", "script-3"]) expect((await one.query<{ s: string }>(READ, [k])).rows[0]?.s).toBe(`value of ${k}`);
  });

  it("refuse a NUL in a value as a parameterized statement does, and keep working", async () => {
    const direct = await t.platform.db.query(INSERT, row("nul-direct", "a\u0000b")).then(() => "stored", (e: unknown) => (e instanceof Error ? e.message : String(e)));
    const queued = await one.tx(async (tx) => tx.queueWrite(INSERT, row("nul-queued", "a\u0000b"))).then(() => "stored", (e: unknown) => (e instanceof Error ? e.message : String(e)));
    expect(queued).toBe(direct);
    expect(queued).toMatch(/invalid byte sequence|0x00/);
    await one.tx(async (tx) => tx.queueWrite(INSERT, row("nul-after", "fine")));
    expect((await one.query(READ, ["nul-after"])).rows).toHaveLength(1);
  });

  it("drop the connection when a script that prepared statements failed, so nothing is prepared twice", async () => {
    const fresh = "insert into queued_probe (k, s) values ($1, $2)";
    await expect(
      one.tx(async (tx) => {
        tx.queueWrite(fresh, ["fail-1", "prepared, then the next write fails"]);
        tx.queueWrite(fresh, ["fail-1", "duplicate key"]);
      }),
    ).rejects.toThrow(/duplicate key/);
    await one.tx(async (tx) => {
      tx.queueWrite(fresh, ["fail-2", "on a new connection"]);
    });
    expect((await one.query(READ, ["fail-2"])).rows).toHaveLength(1);
    expect((await one.query(READ, ["fail-1"])).rows).toHaveLength(0);
  });

  it("prepare afresh after a migration changes what a prepared statement returns", async () => {
    const all = "select * from queued_probe where k = $1";
    const read = () => one.tx(async (tx) => {
      tx.queueWrite(INSERT, row(`mig-${Math.random()}`, "x"));
      return (await tx.query(all, ["script-1"])).rows[0];
    });
    expect(await read()).not.toHaveProperty("added");
    await one.query("alter table queued_probe add column added int default 7");
    // PostgreSQL refuses the old plan once; the text is then prepared under a new name.
    const after = await read().catch(() => read());
    expect(after).toMatchObject({ k: "script-1", added: 7 });
  });
});

describe("inlineParams", () => {
  it("leaves quoted literals and identifiers alone", () => {
    expect(inlineParams(`select '$1' as "$2", $1 as x`, ["it's"])).toBe(`select '$1' as "$2", 'it''s' as x`);
    expect(inlineParams("select $2, $1, $10", ["a", null, 3, 4, 5, 6, 7, 8, 9, [1, 2]])).toBe(`select null, 'a', '{"1","2"}'`);
  });

  it("refuses what it cannot inline safely", () => {
    expect(inlineParams("select $$ $1 $$", ["x"])).toBeUndefined();
    expect(inlineParams("select $body$ x $body$")).toBeUndefined();
    expect(inlineParams("select $2", ["only one"])).toBeUndefined();
    expect(inlineParams("select $1", [Buffer.from("bytes")])).toBeUndefined();
    expect(inlineParams("select 'unterminated", [])).toBeUndefined();
    expect(inlineParams("select $1", ["nul\u0000inside"])).toBeUndefined();
  });
});
