import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { inlineParams } from "./inline.js";

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
  });
});
