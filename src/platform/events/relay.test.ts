import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { orgWithOwner, signup, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { OutboxRelay } from "./relay.js";
import { EVENTS_CHANNEL, type EventBatch, type RelayedEvent } from "./types.js";

// The relay moves committed outbox events to the bus and to consumer jobs, at least once,
// in publication order; consumers see each event id once even when a relay dies mid-batch.

let t: TestApp;
let admin: TestUser;
let owner: TestUser;
let orgId: string;
let projectId: string;

const handled = new Map<string, number>();
let failNext = 0;

beforeAll(async () => {
  t = await createTestApp();
  admin = await signup(t); // the first account is the instance administrator
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  t.platform.relay.consume({
    name: "test-counter",
    accepts: (type) => type.startsWith("task."),
    handle: async (e) => {
      if (failNext > 0) {
        failNext--;
        throw new Error("receiver down");
      }
      handled.set(e.id, (handled.get(e.id) ?? 0) + 1);
    },
    backoffMs: 5,
  });
  const project = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { name: "Relay", key: "RLY" } });
  projectId = project.body.id;
});
afterAll(async () => t.close());

const createTask = async (title: string) => {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body: { title } });
  expect(res.status).toBe(201);
  return res.body as { id: string };
};

async function outboxIdsOf(taskId: string): Promise<string[]> {
  const { rows } = await t.platform.db.query<{ id: string }>("select id from outbox_events where data->>'id' = $1 or data->'task'->>'id' = $1", [taskId]);
  return rows.map((r) => r.id);
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("outbox relay", () => {
  it("publishes committed events on the bus in publication order, soon after commit", async () => {
    const seen: RelayedEvent[] = [];
    const unsubscribe = await t.platform.bus.subscribe(EVENTS_CHANNEL, (m) => seen.push(...(m as EventBatch).events));
    const a = await createTask("first");
    const b = await createTask("second");
    await until("both task.created events", async () => seen.filter((e) => e.type === "task.created").length >= 2);
    await unsubscribe();
    const created = seen.filter((e) => e.type === "task.created");
    expect(created.map((e) => (e.data.task as { id: string } | undefined)?.id ?? e.data.id)).toEqual([a.id, b.id]);
    expect(BigInt(created[1]!.seq)).toBeGreaterThan(BigInt(created[0]!.seq));
    expect(created[0]).toMatchObject({ orgId, projectId, actorId: owner.id });
    // The relay publishes before its transaction commits the batch as published: wait for that commit.
    const unpublished = async () => (await t.platform.db.query<{ n: number }>("select count(*)::int as n from outbox_events where published_at is null")).rows[0]!.n;
    await until("every event marked published", async () => (await unpublished()) === 0);
    expect(await unpublished()).toBe(0);
  });

  it("runs each consumer once per event", async () => {
    const task = await createTask("consumed");
    const ids = await outboxIdsOf(task.id);
    expect(ids.length).toBeGreaterThan(0);
    await until("consumer ran", async () => ids.every((id) => handled.has(id)));
    await t.platform.jobs.idle();
    for (const id of ids) expect(handled.get(id)).toBe(1);
  });

  it("re-delivers a batch whose relay died between publish and mark-done, without running a consumer twice", async () => {
    await t.platform.relay.stop();
    const task = await createTask("crash in the middle");
    const crashing = new OutboxRelay(t.platform.db, t.platform.bus, t.platform.jobs, t.platform.log, {
      retentionHours: 1,
      beforeMarkDone: () => Promise.reject(new Error("killed")),
    });
    await expect(crashing.publishBatch()).rejects.toThrow("killed");
    const ids = await outboxIdsOf(task.id);
    const { rows } = await t.platform.db.query<{ n: number }>("select count(*)::int as n from outbox_events where id = any($1::uuid[]) and published_at is null", [ids]);
    expect(rows[0]!.n).toBe(ids.length); // nothing was marked done
    t.platform.relay.start();
    await until("re-delivered", async () => ids.every((id) => handled.has(id)));
    await t.platform.relay.drain();
    await t.platform.jobs.idle();
    for (const id of ids) expect(handled.get(id)).toBe(1);
  });

  it("retries a failing consumer with backoff, and it succeeds", async () => {
    failNext = 2;
    const task = await createTask("flaky receiver");
    const ids = await outboxIdsOf(task.id);
    await until("delivered after retries", async () => ids.every((id) => handled.has(id)));
    expect(failNext).toBe(0);
  });

  it("reports outbox lag and publication counts as metrics", async () => {
    const res = await call(t, "GET", "/metrics");
    expect(res.body).toMatch(/plinth_outbox_lag_seconds \d/);
    expect(res.body).toMatch(/plinth_outbox_published_total [1-9]/);
    expect(res.body).toMatch(/plinth_jobs_completed_total\{job_name="event.test-counter"\} [1-9]/);
  });
});

describe("batch consumers", () => {
  // A consumer with handleMany gets the events of a relay batch in one job; when the batch
  // fails, its events are handled one by one, so a poisonous one holds up none of the others.
  const batches: string[][] = [];
  const single = new Map<string, number>();
  let poison: string | undefined;
  let healthy = true;

  beforeAll(() => {
    t.platform.relay.consume({
      name: "test-batch",
      accepts: (type) => type === "task.created",
      handleMany: async (events) => {
        if (!healthy || events.some(poisoned)) throw new Error("batch refused");
        batches.push(events.map((e) => e.id));
      },
      handle: async (e) => {
        if (poisoned(e)) throw new Error("poison");
        single.set(e.id, (single.get(e.id) ?? 0) + 1);
      },
      attempts: 2,
      backoffMs: 5,
    });
  });

  const poisoned = (e: RelayedEvent) => poison !== undefined && ((e.data.task as { title?: string } | undefined)?.title ?? e.data.title) === poison;
  const batchedIds = () => new Set(batches.flat());

  it("hands the events of one relay batch to one job, in publication order", async () => {
    await t.platform.relay.stop();
    const tasks = [await createTask("batch 1"), await createTask("batch 2"), await createTask("batch 3")];
    const ids = (await Promise.all(tasks.map((x) => outboxIdsOf(x.id)))).flat();
    await t.platform.relay.drain(); // one batch holds all three
    t.platform.relay.start();
    await until("the batch ran", async () => ids.every((id) => batchedIds().has(id)));
    await t.platform.jobs.idle();
    const batch = batches.find((b) => b.includes(ids[0]!))!;
    expect(batch.filter((id) => ids.includes(id))).toEqual(ids);
    expect(batches.flat().filter((id) => ids.includes(id))).toHaveLength(3); // each event once
    for (const id of ids) expect(single.has(id)).toBe(false);
  });

  it("falls back to one event at a time when the batch fails, and fails the job only for the event that still fails", async () => {
    poison = "batch poison";
    await t.platform.relay.stop();
    const good = await createTask("batch good");
    const bad = await createTask("batch poison");
    const [goodIds, badIds] = [await outboxIdsOf(good.id), await outboxIdsOf(bad.id)];
    const failedBefore = (await t.platform.jobs.counts()).failed;
    await t.platform.relay.drain();
    t.platform.relay.start();
    await until("the good event delivered one by one", async () => goodIds.every((id) => single.has(id)));
    await until("the job dead-lettered", async () => (await t.platform.jobs.counts()).failed > failedBefore);
    for (const id of badIds) expect(single.has(id)).toBe(false);
    // Each attempt delivered the good event again: the consumer's idempotency absorbs it.
    for (const id of goodIds) expect(single.get(id)).toBe(2);
    // Mended, the dead-lettered batch runs again on retry and delivers the event that failed.
    poison = undefined;
    const dead = (await t.platform.jobs.list("failed", 100)).find((j) => j.name === "event.test-batch")!;
    expect(await t.platform.jobs.retry(dead.id)).toBe(true);
    await until("the retried batch delivered", async () => badIds.every((id) => batchedIds().has(id)));
    await until("no job failed", async () => (await t.platform.jobs.counts()).failed === failedBefore);
  });

  it("runs jobs enqueued one per event (before an upgrade) through handle", async () => {
    healthy = false;
    const task = await createTask("queued the old way");
    const [id] = await outboxIdsOf(task.id);
    await until("the batch job fell back", async () => single.has(id!));
    healthy = true;
    const before = single.get(id!)!;
    const event = { id: id!, seq: "0", type: "task.created", orgId, projectId, data: {}, actorId: owner.id, at: new Date().toISOString() };
    await t.platform.jobs.enqueue("event.test-batch", event, { key: `old:${id}` });
    await until("the single-event job ran", async () => single.get(id!) === before + 1);
  });
});

describe("jobs", () => {
  let calls = 0;
  let healthy = false;

  beforeAll(() => {
    t.platform.jobs.define<{ n: number }>({
      name: "test.always-failing",
      attempts: 2,
      backoffMs: 5,
      handler: async () => {
        calls++;
        if (!healthy) throw new Error("still broken");
      },
    });
  });

  it("dead-letters a job after its attempts, lists it for admins, and runs it again on retry", async () => {
    await t.platform.jobs.enqueue("test.always-failing", { n: 1 }, { key: "always-failing-1" });
    await until("dead-lettered", async () => (await t.platform.jobs.counts()).failed >= 1);
    expect(calls).toBe(2);

    const list = await call(t, "GET", "/api/v1/admin/jobs?state=failed", { token: admin.token });
    expect(list.status).toBe(200);
    const job = list.body.items.find((j: { name: string }) => j.name === "test.always-failing");
    expect(job).toMatchObject({ state: "failed", attempts: 2, maxAttempts: 2, lastError: "still broken" });
    expect(list.body.counts.failed).toBeGreaterThanOrEqual(1);

    expect((await call(t, "GET", "/api/v1/admin/jobs?state=failed", { token: owner.token })).status).toBe(403);
    expect((await call(t, "POST", `/api/v1/admin/jobs/${job.id}/retry`, { token: owner.token })).status).toBe(404);

    healthy = true;
    expect((await call(t, "POST", `/api/v1/admin/jobs/${job.id}/retry`, { token: admin.token })).status).toBe(204);
    await until("completed after retry", async () => calls === 3 && (await t.platform.jobs.counts()).failed === 0);
    expect((await call(t, "POST", `/api/v1/admin/jobs/${job.id}/retry`, { token: admin.token })).status).toBe(404);
  });

  it("enqueues a job with the same key once", async () => {
    const before = calls;
    await t.platform.jobs.enqueue("test.always-failing", { n: 2 }, { key: "same-key" });
    await t.platform.jobs.enqueue("test.always-failing", { n: 2 }, { key: "same-key" });
    await t.platform.jobs.idle();
    await until("ran", async () => calls > before);
    await t.platform.jobs.idle();
    expect(calls).toBe(before + 1);
  });

  it("refuses bad job states and unknown ids with 4xx", async () => {
    expect((await call(t, "GET", "/api/v1/admin/jobs?state=exploded", { token: admin.token })).status).toBe(400);
    expect((await call(t, "POST", "/api/v1/admin/jobs/not-a-job/retry", { token: admin.token })).status).toBe(404);
  });
});
