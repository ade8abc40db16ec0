import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_CHANNEL } from "../src/platform/cache-invalidation.js";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { addMember, orgWithOwner, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

// Task views, boards, summaries and permission sets are cached (platform/versioned-cache.ts)
// and invalidated by the domain events of each write, right after its commit. Correctness
// never depends on the cache: another user reads a change at once, a removed role denies at
// once, and a Redis that vanishes mid-test changes nothing but speed.

/** Hits and misses so far, per cache, from the metrics endpoint. */
async function cacheCounts(t: TestApp): Promise<Record<string, number>> {
  const text = (await call(t, "GET", "/metrics")).body as string;
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^plinth_cache_requests_total\{cache="(\w+)",result="(hit|miss)"\} (\d+)/gm)) counts[`${m[1]}:${m[2]}`] = Number(m[3]);
  return counts;
}

interface World {
  owner: TestUser;
  member: TestUser;
  guest: TestUser;
  orgId: string;
  projectId: string;
  taskId: string;
  taskKey: string;
}

let counter = 0;

/** An org with a member and a guest (added to the project as viewer), and one task. */
async function world(t: TestApp): Promise<World> {
  const { owner, org } = await orgWithOwner(t);
  const member = await addMember(t, org.id, owner, "member");
  const guest = await addMember(t, org.id, owner, "guest");
  const project = await call(t, "POST", `/api/v1/orgs/${org.id}/projects`, { token: owner.token, body: { key: `CA${++counter}`, name: "Cached" } });
  expect(project.status).toBe(201);
  const put = await call(t, "PUT", `/api/v1/projects/${project.body.id}/members/${guest.id}`, { token: owner.token, body: { role: "viewer" } });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  const task = await call(t, "POST", `/api/v1/projects/${project.body.id}/tasks`, { token: owner.token, body: { title: "Original title" } });
  expect(task.status).toBe(201);
  return { owner, member, guest, orgId: org.id, projectId: project.body.id, taskId: task.body.id, taskKey: task.body.key };
}

/**
 * Reads everything cached three times: a process learns a task's project on its first view,
 * stores the row on the second and serves it from the cache from the third on.
 */
async function warm(t: TestApp, w: World, user: TestUser): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: user.token })).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: user.token })).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/summary`, { token: user.token })).status).toBe(200);
  }
}

function boardTitles(body: { columns: { tasks: { title: string }[] }[] }): string[] {
  return body.columns.flatMap((c) => c.tasks.map((x) => x.title));
}

describe("hot-read cache", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("serves repeated task views, boards, summaries and access checks from the cache", async () => {
    const w = await world(t);
    const before = await cacheCounts(t);
    await warm(t, w, w.member);
    const after = await cacheCounts(t);
    const gained = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    for (const cache of ["task", "board", "summary", "access", "project", "session"]) expect(gained(`${cache}:hit`), cache).toBeGreaterThan(0);
  });

  it("shows another user's change at once: task view, key lookup, board and summary", async () => {
    const w = await world(t);
    await warm(t, w, w.member);
    const patch = await call(t, "PATCH", `/api/v1/tasks/${w.taskId}`, { token: w.owner.token, body: { title: "Changed title", status: "done" } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);

    const view = await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token });
    expect(view.body).toMatchObject({ title: "Changed title", status: "done", version: patch.body.version });
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskKey}`, { token: w.member.token })).body.title).toBe("Changed title");
    const board = await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token });
    expect(boardTitles(board.body)).toEqual(["Changed title"]);
    expect(board.body.columns.find((c: { status: string }) => c.status === "done").total).toBe(1);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/summary`, { token: w.member.token })).body.counts.done).toBe(1);

    const created = await call(t, "POST", `/api/v1/projects/${w.projectId}/tasks`, { token: w.member.token, body: { title: "Second" } });
    expect(boardTitles((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.owner.token })).body)).toContain("Second");
    expect((await call(t, "DELETE", `/api/v1/tasks/${created.body.id}`, { token: w.owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/tasks/${created.body.id}`, { token: w.member.token })).status).toBe(404);
    expect(boardTitles((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token })).body)).not.toContain("Second");
  });

  it("shows a new workflow and a renamed project at once", async () => {
    const w = await world(t);
    await warm(t, w, w.member);
    const workflow = (await call(t, "GET", `/api/v1/projects/${w.projectId}/workflow`, { token: w.owner.token })).body;
    workflow.statuses.push({ key: "blocked", name: "Blocked", category: "in_progress" });
    const put = await call(t, "PUT", `/api/v1/projects/${w.projectId}/workflow`, { token: w.owner.token, body: workflow });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const board = await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token });
    expect(board.body.columns.map((c: { status: string }) => c.status)).toContain("blocked");
    expect((await call(t, "PATCH", `/api/v1/projects/${w.projectId}`, { token: w.owner.token, body: { name: "Renamed" } })).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}`, { token: w.member.token })).body.name).toBe("Renamed");
  });

  it("denies at once when a project role is removed, and when an org membership is", async () => {
    const w = await world(t);
    await warm(t, w, w.guest);
    await warm(t, w, w.member);
    expect((await call(t, "DELETE", `/api/v1/projects/${w.projectId}/members/${w.guest.id}`, { token: w.owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.guest.token })).status).toBe(404);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.guest.token })).status).toBe(404);

    expect((await call(t, "DELETE", `/api/v1/orgs/${w.orgId}/members/${w.member.id}`, { token: w.owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).status).toBe(404);
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/summary`, { token: w.member.token })).status).toBe(404);
    expect((await call(t, "GET", `/api/v1/orgs/${w.orgId}/projects`, { token: w.member.token })).status).toBe(404);
    // The summary's member count follows both removals.
    expect((await call(t, "GET", `/api/v1/projects/${w.projectId}/summary`, { token: w.owner.token })).body.memberCount).toBe(1);
  });

  it("narrows access at once when an org role is lowered", async () => {
    const w = await world(t);
    await warm(t, w, w.member);
    const patch = await call(t, "PATCH", `/api/v1/orgs/${w.orgId}/members/${w.member.id}`, { token: w.owner.token, body: { role: "guest" } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    // A guest sees only projects they were added to.
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).status).toBe(404);
    const write = await call(t, "POST", `/api/v1/projects/${w.projectId}/tasks`, { token: w.member.token, body: { title: "Not allowed" } });
    expect(write.status).toBe(404);
  });

  it("invalidates on events the relay publishes, for writes this node did not see", async () => {
    const w = await world(t);
    await warm(t, w, w.member);
    // Another node's write: committed behind this node's back, so nothing here invalidated it yet.
    await t.platform.db.query("update tasks set title = 'Written elsewhere', version = version + 1 where id = $1", [w.taskId]);
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).body.title).toBe("Original title");

    await t.platform.bus.publish(EVENTS_CHANNEL, {
      id: "00000000-0000-4000-8000-000000000001",
      seq: "1",
      type: "task.updated",
      orgId: w.orgId,
      projectId: w.projectId,
      data: { id: w.taskId, changes: {} },
      actorId: w.owner.id,
      at: new Date().toISOString(),
    });
    await expect.poll(async () => (await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).body.title).toBe("Written elsewhere");
    expect(boardTitles((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token })).body)).toEqual(["Written elsewhere"]);
  });
});

describe.runIf(testMode === "postgres" && process.env.TEST_REDIS_URL)("hot-read cache when Redis goes away mid-test", () => {
  let t: TestApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy(process.env.TEST_REDIS_URL!);
    t = await createTestApp({ REDIS_URL: proxy.via(process.env.TEST_REDIS_URL!) });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  async function redisBack(): Promise<void> {
    await proxy.restore();
    const redis = t.platform.redis!;
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  }

  it("stays correct without Redis, and does not serve what went stale meanwhile when it returns", { timeout: 60_000 }, async () => {
    const w = await world(t);
    await warm(t, w, w.member);
    await warm(t, w, w.guest);

    await proxy.cut();
    const patch = await call(t, "PATCH", `/api/v1/tasks/${w.taskId}`, { token: w.owner.token, body: { title: "Changed while Redis was away" } });
    expect(patch.status).toBe(200);
    expect((await call(t, "DELETE", `/api/v1/projects/${w.projectId}/members/${w.guest.id}`, { token: w.owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).body.title).toBe("Changed while Redis was away");
    expect(boardTitles((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token })).body)).toEqual(["Changed while Redis was away"]);
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.guest.token })).status).toBe(404);

    // Redis still holds the entries from before the change: they must never be served again.
    await redisBack();
    for (let i = 0; i < 3; i++) {
      expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).body.title).toBe("Changed while Redis was away");
      expect(boardTitles((await call(t, "GET", `/api/v1/projects/${w.projectId}/board`, { token: w.member.token })).body)).toEqual(["Changed while Redis was away"]);
      expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.guest.token })).status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // And the cache is used again.
    const before = await cacheCounts(t);
    await warm(t, w, w.member);
    expect((await cacheCounts(t))["task:hit"]! - (before["task:hit"] ?? 0)).toBeGreaterThan(0);
  });

  it("keeps serving reads and writes when Redis is cut in the middle of a burst", { timeout: 60_000 }, async () => {
    const w = await world(t);
    const burst = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? call(t, "PATCH", `/api/v1/tasks/${w.taskId}`, { token: w.owner.token, body: { description: `burst ${i}` } })
        : call(t, "GET", i % 2 ? `/api/v1/tasks/${w.taskId}` : `/api/v1/projects/${w.projectId}/board`, { token: w.member.token }),
    );
    setTimeout(() => void proxy.cut(), 5);
    const statuses = (await Promise.all(burst)).map((r) => r.status);
    expect(statuses.every((s) => s === 200), JSON.stringify(statuses)).toBe(true);
    const last = await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.owner.token });
    await redisBack();
    expect((await call(t, "GET", `/api/v1/tasks/${w.taskId}`, { token: w.member.token })).body.description).toBe(last.body.description);
  });
});
