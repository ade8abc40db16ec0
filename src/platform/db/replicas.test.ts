import type pg from "pg";
import { describe, expect, it } from "vitest";
import { lsnValue, ReplicaSet, type WriteMark, type WriteMarks } from "./replicas.js";

// Replica health and read-your-writes decisions, against scripted servers: what a standby
// reports (replay position, age of the last replayed commit) decides its rotation.

interface Script {
  primaryLsn: string;
  replicas: ({ standby: boolean; replay_lsn: string | null; replay_age: number | null } | "down")[];
}

function scripted(script: Script) {
  const pool = (answer: () => unknown) => ({ query: () => Promise.resolve({ rows: [answer()] }), end: () => Promise.resolve() }) as unknown as pg.Pool;
  const primary = pool(() => ({ lsn: script.primaryLsn }));
  let i = 0;
  const marks = new Map<string, WriteMark>();
  const store: WriteMarks = { get: (u) => Promise.resolve(marks.get(u)), set: (u, m) => Promise.resolve(void marks.set(u, m)) };
  const set = new ReplicaSet(
    primary,
    script.replicas.map(() => "postgres://db.internal:5432/plinth"),
    () => {
      const n = i++;
      return {
        query: () => {
          const r = script.replicas[n]!;
          return r === "down" ? Promise.reject(new Error("connect ECONNREFUSED")) : Promise.resolve({ rows: [r] });
        },
        end: () => Promise.resolve(),
      } as unknown as pg.Pool;
    },
    { maxLagMs: 1000, readYourWritesMs: 60_000, probeIntervalMs: 60_000, marks: store },
  );
  return { set, marks };
}

describe("replica rotation", () => {
  it("compares WAL positions as numbers", () => {
    expect(lsnValue("0/FF") < lsnValue("1/0")).toBe(true);
    expect(lsnValue("16/B374D848")).toBe((0x16n << 32n) + 0xb374d848n);
  });

  it("takes a lagging or unreachable replica out of rotation and brings it back", async () => {
    const script: Script = {
      primaryLsn: "0/500",
      replicas: [
        { standby: true, replay_lsn: "0/400", replay_age: 5 },
        { standby: true, replay_lsn: "0/480", replay_age: 0.2 },
        "down",
      ],
    };
    const { set } = scripted(script);
    await set.probe();
    expect(set.status()).toEqual([
      { name: "db.internal:5432", lagSeconds: 5, inRotation: false },
      { name: "db.internal:5432#2", lagSeconds: 0.2, inRotation: true },
      { name: "db.internal:5432#3", lagSeconds: Number.NaN, inRotation: false },
    ]);
    // Caught up with the primary: no lag, however old its last replayed commit (an idle primary).
    script.replicas[0] = { standby: true, replay_lsn: "0/500", replay_age: 600 };
    script.replicas[2] = { standby: false, replay_lsn: null, replay_age: null };
    await set.probe();
    expect(set.status().map((r) => [r.lagSeconds, r.inRotation])).toEqual([
      [0, true],
      [0.2, true],
      [0, true],
    ]);
  });

  it("keeps a user's reads off replicas that have not replayed their write", async () => {
    const script: Script = {
      primaryLsn: "0/500",
      replicas: [
        { standby: true, replay_lsn: "0/500", replay_age: 0 },
        { standby: true, replay_lsn: "0/500", replay_age: 0 },
      ],
    };
    const { set, marks } = scripted(script);
    await set.probe();
    const writer = { userId: "u1" };
    script.primaryLsn = "0/900";
    await set.noteWrite(writer);
    expect(marks.get("u1")?.lsn).toBe("0/900");
    const mark = await set.markOf({ userId: "u1" });
    expect(mark).toMatchObject({ lsn: "0/900" });
    expect(set.pick(mark as WriteMark)).toBeUndefined();
    expect(set.pick(undefined)).toBeDefined();

    script.replicas[1] = { standby: true, replay_lsn: "0/A00", replay_age: 0 };
    await set.probe();
    expect(set.status()[0]!.inRotation).toBe(true);
    const chosen = set.pick(mark as WriteMark);
    expect(chosen?.name).toBe("db.internal:5432#2");
    // Past the window the mark no longer binds, replayed or not.
    expect(set.pick({ at: Date.now() - 61_000, lsn: "0/900" })).toBeDefined();
  });

  it("takes a replica out when a read cannot reach it, not when the statement fails", async () => {
    const { set } = scripted({ primaryLsn: "0/1", replicas: [{ standby: false, replay_lsn: null, replay_age: null }] });
    await set.probe();
    const r = set.pick()!;
    const { DatabaseError } = (await import("pg")).default;
    set.failed(r, new DatabaseError("canceling statement due to conflict with recovery", 0, "error"));
    expect(set.status()[0]!.inRotation).toBe(true);
    set.failed(r, new Error("Connection terminated unexpectedly"));
    expect(set.status()[0]!.inRotation).toBe(false);
  });
});
