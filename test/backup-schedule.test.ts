import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { signup, type TestUser } from "./factories.js";
import { call } from "./http.js";

// Backups the running server takes by itself: on an instance admin's request
// (one at a time) and on the cron schedule, with retention and a metric.

let t: TestApp;
let admin: TestUser;
let member: TestUser;
beforeAll(async () => {
  t = await createTestApp({ PLINTH_BACKUP_CRON_HOURS: "6", PLINTH_BACKUP_KEEP: "2" });
  admin = await signup(t); // the first account is the instance admin
  member = await signup(t);
});
afterAll(async () => t.close());

const folders = () => readdirSync(t.config.backupDir).filter((n) => n.startsWith("plinth-backup-")).sort();
const hours = (n: number) => new Date(Date.now() + n * 3600_000);

describe("backups taken by the server", () => {
  it("lets only an instance admin start one, runs one at a time, and lists it when complete", async () => {
    expect((await call(t, "POST", "/api/v1/admin/backups", { token: member.token })).status).toBe(403);
    expect((await call(t, "GET", "/api/v1/admin/backups", { token: member.token })).status).toBe(403);

    const started = await call(t, "POST", "/api/v1/admin/backups", { token: admin.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ name: expect.stringMatching(/^plinth-backup-\d{8}T\d{6}Z/), status: "running", trigger: "api" });
    const again = await call(t, "POST", "/api/v1/admin/backups", { token: admin.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("conflict");
    expect((await call(t, "GET", "/api/v1/admin/backups", { token: admin.token })).body.items[0]).toMatchObject({ name: started.body.name, status: "running" });

    await t.services.backups.settle();
    const listed = await call(t, "GET", "/api/v1/admin/backups", { token: admin.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ name: started.body.name, status: "complete", mode: testMode === "pglite" ? "embedded" : "postgres", error: null });
    expect(listed.body.items[0].rows).toBeGreaterThanOrEqual(2);
    // A retrying script does not get snapshot after snapshot (each pauses an embedded instance).
    const soon = await call(t, "POST", "/api/v1/admin/backups", { token: admin.token });
    expect(soon.status).toBe(409);
    expect(soon.body.detail).toMatch(new RegExp(`${started.body.name as string} finished \\d+ s ago`));
  });

  it("backs up when the newest backup is older than the interval, keeps the newest PLINTH_BACKUP_KEEP, and exports when it last succeeded", async () => {
    expect(await t.services.backups.runScheduled(hours(0))).toBe("not_due");
    expect(await t.services.backups.runScheduled(hours(7))).toBe("done");
    // Backups carry the real time they were taken; five hours on, that one is not yet six hours old.
    expect(await t.services.backups.runScheduled(hours(5))).toBe("not_due");
    expect(await t.services.backups.runScheduled(hours(14))).toBe("done");
    expect(folders()).toHaveLength(2);
    const newest = folders().at(-1)!;

    const metrics = await call(t, "GET", "/metrics");
    const value = Number(/^plinth_backup_last_success_timestamp_seconds (\S+)$/m.exec(metrics.body as string)?.[1]);
    const stamp = /(\d{8}T\d{6}Z)/.exec(newest)![1]!;
    expect(value).toBe(Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`) / 1000);
  });

  it.runIf(testMode === "postgres")("lets only one cron node back up at a time (advisory lock)", async () => {
    const other = new pg.Client({ connectionString: t.config.databaseUrl });
    await other.connect();
    try {
      await other.query("select pg_advisory_lock(72640033)");
      expect(await t.services.backups.runScheduled(hours(21))).toBe("locked");
      await other.query("select pg_advisory_unlock(72640033)");
      expect(await t.services.backups.runScheduled(hours(21))).toBe("done");
    } finally {
      await other.end();
    }
  });
});
