import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgCluster } from "./pg-cluster.js";

// The harness the other cluster tests stand on: a primary streaming to a
// replica, and the failures they inflict (stop, kill -9, restart) behaving as
// PostgreSQL does in production.

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await PgCluster.start({ replica: true });
});
afterAll(async () => cluster?.cleanup());

describe("the PostgreSQL test cluster", () => {
  it("streams the primary's writes to a read-only replica", async () => {
    await cluster.primary.query("create table harness (id int primary key, note text)");
    await cluster.primary.query("insert into harness values (1, '主库写入')");
    await cluster.waitReplicaCaughtUp();
    expect(await cluster.replica!.query("select note from harness")).toEqual([{ note: "主库写入" }]);
    await expect(cluster.replica!.query("insert into harness values (2, 'x')")).rejects.toThrow(/read-only/);
    expect(await cluster.replica!.query("select pg_is_in_recovery() as standby")).toEqual([{ standby: true }]);
  });

  it("survives kill -9 of the primary: committed rows are there after it starts again, and the replica follows", async () => {
    await cluster.primary.query("insert into harness values (3, 'committed before the crash')");
    await cluster.primary.kill();
    expect(cluster.primary.isRunning()).toBe(false);
    await expect(cluster.primary.query("select 1")).rejects.toThrow();
    await cluster.primary.start();
    expect(await cluster.primary.query("select id from harness order by id")).toEqual([{ id: 1 }, { id: 3 }]);
    await cluster.primary.query("insert into harness values (4, 'after the crash')");
    await cluster.waitReplicaCaughtUp();
    expect(await cluster.replica!.query("select count(*)::int as n from harness")).toEqual([{ n: 3 }]);
  });

  it("stops and starts the replica, which catches up on what it missed", async () => {
    await cluster.replica!.stop();
    await cluster.primary.query("insert into harness values (5, 'while the replica was down')");
    await cluster.replica!.start();
    await cluster.waitReplicaCaughtUp();
    expect(await cluster.replica!.query("select count(*)::int as n from harness")).toEqual([{ n: 4 }]);
    expect(await cluster.lsn()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });
});
