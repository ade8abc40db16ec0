import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { addMember, orgWithOwner, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { EventClient, refusedHandshake, stalledClient, until, type StreamMessage } from "./ws-client.js";

// GET /api/v1/events through real sockets: who sees what, resuming after a reconnect, refusals,
// slow clients, and (PostgreSQL + Redis) a write on one node reaching a client of another.

let t: TestApp;
let origin: string;
let owner: TestUser;
let orgId: string;
let projectId: string;
const clients: EventClient[] = [];

async function listen(app: TestApp): Promise<{ origin: string; port: number }> {
  await app.app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.app.server.address();
  const p = typeof address === "object" && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${p}`, port: p };
}

async function open(user: TestUser, query: Record<string, string> = {}, at = origin): Promise<EventClient> {
  const c = await EventClient.open(at, { token: user.token, ...query });
  clients.push(c);
  return c;
}

async function newProject(app: TestApp, user: TestUser, org: string): Promise<string> {
  const res = await call(app, "POST", `/api/v1/orgs/${org}/projects`, { token: user.token, body: { name: "Live", key: `L${randomUUID().slice(0, 4).toUpperCase().replace(/[^A-Z]/g, "X")}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function newTask(app: TestApp, user: TestUser, project: string, title = "watched", description = ""): Promise<string> {
  const res = await call(app, "POST", `/api/v1/projects/${project}/tasks`, { token: user.token, body: { title, description } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function rename(app: TestApp, user: TestUser, taskId: string, title: string): Promise<void> {
  const res = await call(app, "PATCH", `/api/v1/tasks/${taskId}`, { token: user.token, body: { title } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const isTaskUpdate = (taskId: string, title?: string) => (m: StreamMessage) =>
  m.type === "task.updated" && m.data.id === taskId && (title === undefined || (m.data.changes as { title?: { to?: string } } | undefined)?.title?.to === title);

/** An org-wide event every member sees; once a client has it, every earlier event has reached it too. */
async function fence(app: TestApp, admin: TestUser, org: string): Promise<string> {
  const name = `Dept ${randomUUID()}`;
  const res = await call(app, "POST", `/api/v1/orgs/${org}/departments`, { token: admin.token, body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return name;
}
const isFence = (name: string) => (m: StreamMessage) => m.type === "department.created" && m.data.name === name;

beforeAll(async () => {
  t = await createTestApp({ PLINTH_WS_ALLOWED_ORIGINS: "https://app.example.com" });
  ({ origin } = await listen(t));
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  projectId = await newProject(t, owner, orgId);
});
afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await t.close();
});

describe("who receives an event", () => {
  it("sends a task update to a client of the same org and not to one of another org", async () => {
    const other = await orgWithOwner(t);
    const mine = await open(owner);
    const theirs = await open(other.owner);
    const taskId = await newTask(t, owner, projectId);
    await rename(t, owner, taskId, "renamed live");

    const got = await mine.waitFor("the task update", isTaskUpdate(taskId, "renamed live"));
    expect(got).toMatchObject({ type: "task.updated", orgId, projectId, data: { id: taskId } });
    expect(typeof got.id).toBe("string");
    expect(Number.isNaN(Date.parse(got.at!))).toBe(false);

    const name = await fence(t, other.owner, other.org.id);
    await theirs.waitFor("their own org's event", isFence(name));
    expect(theirs.events.filter((m) => m.orgId !== other.org.id)).toEqual([]);
    expect(mine.events.some(isFence(name))).toBe(false);
  });

  it("keeps a project's events from a guest who cannot see the project, until they are added to it", async () => {
    const guest = await addMember(t, orgId, owner, "guest");
    const client = await open(guest);
    const taskId = await newTask(t, owner, projectId);
    await rename(t, owner, taskId, "hidden from guests");
    const name = await fence(t, owner, orgId);
    await client.waitFor("the org-wide fence", isFence(name));
    expect(client.events.filter((m) => m.projectId === projectId)).toEqual([]);

    const added = await call(t, "PUT", `/api/v1/projects/${projectId}/members/${guest.id}`, { token: owner.token, body: { role: "viewer" } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    await rename(t, owner, taskId, "now visible");
    await client.waitFor("the update after being added", isTaskUpdate(taskId, "now visible"));
  });

  it("sends a notification only to its recipient", async () => {
    const assignee = await addMember(t, orgId, owner, "member");
    const bystander = await addMember(t, orgId, owner, "member");
    const theirs = await open(assignee);
    const watching = await open(bystander);
    const taskId = await newTask(t, owner, projectId, "for you");
    const res = await call(t, "PATCH", `/api/v1/tasks/${taskId}`, { token: owner.token, body: { assigneeId: assignee.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const note = await theirs.waitFor("the assignment notification", (m) => m.type === "notification.created");
    expect(note.data).toMatchObject({ recipientId: assignee.id, type: "task.assigned" });
    const name = await fence(t, owner, orgId);
    await watching.waitFor("the fence", isFence(name));
    await theirs.waitFor("the fence", isFence(name));
    expect(watching.events.filter((m) => m.type === "notification.created")).toEqual([]);
  });

  it("tells a removed member about their removal, then sends them nothing more of that org", async () => {
    const leaving = await addMember(t, orgId, owner, "member");
    const ownOrg = await call(t, "POST", "/api/v1/orgs", { token: leaving.token, body: { name: "Elsewhere", slug: `elsewhere-${randomUUID().slice(0, 8)}` } });
    expect(ownOrg.status, JSON.stringify(ownOrg.body)).toBe(201);
    const client = await open(leaving);
    const removed = await call(t, "DELETE", `/api/v1/orgs/${orgId}/members/${leaving.id}`, { token: owner.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    await client.waitFor("their removal", (m) => m.type === "member.removed" && m.data.userId === leaving.id);
    const taskId = await newTask(t, owner, projectId, "after leaving");
    // Published after the task: once it arrives, the task's event has been decided on.
    const name = await fence(t, leaving, ownOrg.body.id);
    await client.waitFor("the fence in their own org", isFence(name));
    expect(client.events.filter((m) => m.orgId === orgId && m.type !== "member.removed" && m.type !== "member.joined")).toEqual([]);
    expect(client.events.some((m) => m.type === "task.created" && m.data.id === taskId)).toBe(false);
  });
});

describe("the handshake", () => {
  it("refuses a client without credentials, or with a wrong token, with 401 before upgrading", async () => {
    const none = await refusedHandshake(origin, {});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ code: "unauthenticated" });
    expect((await refusedHandshake(origin, { token: "pls_not-a-real-token" })).status).toBe(401);
  });

  it("accepts the session cookie from the app's own or an allowed origin, and refuses it from another", async () => {
    const cookie = `plinth_session=${owner.token}`;
    const evil = await refusedHandshake(origin, {}, { cookie, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ code: "forbidden" });
    for (const allowed of [new URL(t.config.publicUrl).origin, "https://app.example.com"]) {
      const c = await EventClient.open(origin, {}, { cookie, origin: allowed });
      clients.push(c);
    }
    // A token is not ambient: whatever the Origin, it is the client's own choice to send it.
    clients.push(await EventClient.open(origin, { token: owner.token }, { origin: "https://evil.example" }));
  });

  it("refuses a malformed lastEventId with 400, and a plain GET with 426", async () => {
    const bad = await refusedHandshake(origin, { token: owner.token, lastEventId: "42; drop table" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: "validation_failed" });
    const plain = await call(t, "GET", "/api/v1/events", { token: owner.token });
    expect(plain.status).toBe(426);
    expect(plain.body).toMatchObject({ code: "upgrade_required" });
  });
});

describe("resuming with lastEventId", () => {
  it("replays exactly the events missed while disconnected, in order, then goes on live", async () => {
    const steady = await open(owner);
    const taskId = await newTask(t, owner, projectId, "resume me");
    const first = await open(owner);
    await rename(t, owner, taskId, "before the cut");
    const last = await first.waitFor("the last event before the cut", isTaskUpdate(taskId, "before the cut"));
    await first.close();

    for (const title of ["missed 1", "missed 2", "missed 3"]) await rename(t, owner, taskId, title);
    await steady.waitFor("the last missed update", isTaskUpdate(taskId, "missed 3"));

    const again = await open(owner, { lastEventId: last.id! });
    await rename(t, owner, taskId, "live again");
    await again.waitFor("the live update", isTaskUpdate(taskId, "live again"));
    await steady.waitFor("the live update", isTaskUpdate(taskId, "live again"));

    // From just after the last event before the cut up to the live one.
    const window = (c: EventClient) => {
      const ids = c.events.map((m) => m.id);
      return ids.slice(ids.indexOf(last.id) + 1, c.events.findIndex(isTaskUpdate(taskId, "live again")) + 1);
    };
    const expected = window(steady);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(window(again)).toEqual(expected);
    expect(again.messages.find((m) => m.type === "stream.ready")?.data.replayed).toBe(expected.length - 1);
  });

  it("tells a client whose lastEventId is unknown to resync", async () => {
    const c = await open(owner, { lastEventId: randomUUID() });
    expect(c.messages[0]).toMatchObject({ type: "stream.resync", data: { reason: "last_event_unknown" } });
  });
});

describe("slow clients", () => {
  it("drops a client that stops reading once its unsent data passes the bound, and counts it", async () => {
    const small = await createTestApp({ PLINTH_WS_MAX_BUFFERED_BYTES: "65536" });
    try {
      const { port: smallPort } = await listen(small);
      const o = await orgWithOwner(small);
      const project = await newProject(small, o.owner, o.org.id);
      const stalled = await stalledClient(smallPort, o.owner.token);
      const dropped = async () => /plinth_ws_dropped_total\{reason="slow"\} [1-9]/.test((await call(small, "GET", "/metrics")).body as string);
      const big = "x".repeat(90_000);
      // Kernel socket buffers absorb the first few megabytes; keep writing until the server gives up.
      const deadline = Date.now() + 60_000;
      while (!(await dropped())) {
        if (Date.now() > deadline) throw new Error("the stalled client was never dropped");
        await newTask(small, o.owner, project, "bulky", big);
      }
      await until("the stalled client's socket is closed", () => stalled.destroyed || stalled.readableEnded || small.services.realtime.hub.size === 0);
      expect(small.services.realtime.hub.size).toBe(0);
      stalled.destroy();
    } finally {
      await small.close();
    }
  }, 90_000);
});

describe("the heartbeat", () => {
  it("disconnects a client that does not answer pings", async () => {
    const quick = await createTestApp({ PLINTH_WS_HEARTBEAT_MS: "100" });
    try {
      const { port: quickPort } = await listen(quick);
      const o = await orgWithOwner(quick);
      // A raw client that never reads never answers a ping.
      const silent = await stalledClient(quickPort, o.owner.token);
      await until("the silent client is dropped", async () => /plinth_ws_dropped_total\{reason="heartbeat"\} 1/.test((await call(quick, "GET", "/metrics")).body as string));
      await until("the silent client's socket is closed", () => quick.services.realtime.hub.size === 0);
      silent.destroy();
      // A real client answers pings and stays.
      const live = await EventClient.open(`http://127.0.0.1:${quickPort}`, { token: o.owner.token });
      clients.push(live);
      const pings = await new Promise<number>((resolve) => {
        let n = 0;
        live.ws.on("ping", () => ++n === 3 && resolve(n));
      });
      expect(pings).toBe(3);
      expect(live.ws.readyState).toBe(live.ws.OPEN);
    } finally {
      await quick.close();
    }
  });
});

describe("shutdown", () => {
  it("closes connected clients with 1001 when the app closes, and reports connections", async () => {
    const closing = await createTestApp();
    const { origin: at } = await listen(closing);
    const o = await orgWithOwner(closing);
    const c = await EventClient.open(at, { token: o.owner.token });
    expect((await call(closing, "GET", "/metrics")).body).toMatch(/plinth_ws_connections 1/);
    await closing.close();
    await until("the client sees the close", () => c.closeCode !== undefined);
    expect(c.closeCode).toBe(1001);
  });
});

describe.runIf(testMode === "postgres")("two nodes sharing PostgreSQL and Redis", () => {
  it("delivers a write made on node A to a client of node B", async () => {
    const b = await createTestApp(() => ({
      DATABASE_URL: t.config.databaseUrl!,
      ...(t.config.redisUrl ? { REDIS_URL: t.config.redisUrl, REDIS_KEY_PREFIX: t.config.redisKeyPrefix } : {}),
    }));
    try {
      const { origin: atB } = await listen(b);
      const client = await open(owner, {}, atB);
      const taskId = await newTask(t, owner, projectId, "from node A");
      await rename(t, owner, taskId, "seen on node B");
      await client.waitFor("the update made on node A", isTaskUpdate(taskId, "seen on node B"));
      expect(client.events.filter((m) => m.type === "task.updated" && m.data.id === taskId)).toHaveLength(1);
    } finally {
      await b.close();
    }
  });
});
