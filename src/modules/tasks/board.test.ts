import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
});
afterAll(async () => t.close());

async function newProject(workflow?: unknown): Promise<string> {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: `B${++keySeq}`, name: "Board" } });
  expect(res.status).toBe(201);
  if (workflow) expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/workflow`, { token: owner.token, body: workflow })).status).toBe(200);
  return res.body.id;
}

async function createTask(projectId: string, body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function board(projectId: string, qs = "") {
  const res = await call(t, "GET", `/api/v1/projects/${projectId}/board${qs}`, { token: member.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.columns as { status: string; name: string; category: string; total: number; tasks: { id: string; title: string; rank: string }[] }[];
}

const column = async (projectId: string, status: string) => (await board(projectId)).find((c) => c.status === status)!.tasks.map((x) => x.title);

async function move(taskId: string, body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/tasks/${taskId}/move`, { token: member.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const isoDate = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("board", () => {
  it("shows one column per workflow status, in workflow order, with totals and the first 50 by rank", async () => {
    const projectId = await newProject();
    for (let i = 0; i < 55; i++) await createTask(projectId, { title: `todo ${i}`, ...(i < 3 ? { assigneeId: member.id } : {}) });
    await createTask(projectId, { title: "reviewing", status: "in_review" });
    const columns = await board(projectId);
    expect(columns.map((c) => [c.status, c.category, c.total])).toEqual([
      ["todo", "todo", 55],
      ["in_progress", "in_progress", 0],
      ["in_review", "in_progress", 1],
      ["done", "done", 0],
    ]);
    const todo = columns[0]!.tasks;
    expect(todo).toHaveLength(50);
    expect(todo.map((x) => x.title)).toEqual(Array.from({ length: 50 }, (_, i) => `todo ${i}`));
    const filtered = await board(projectId, `?assigneeId=${member.id}`);
    expect(filtered.map((c) => c.total)).toEqual([3, 0, 0, 0]);
    expect(filtered[0]!.tasks.map((x) => x.title)).toEqual(["todo 0", "todo 1", "todo 2"]);
    expect((await board(projectId, "?q=reviewing")).map((c) => c.total)).toEqual([0, 0, 1, 0]);
  });

  it("follows a custom workflow's statuses", async () => {
    const projectId = await newProject({
      statuses: [
        { key: "backlog", name: "Backlog", category: "todo" },
        { key: "shipped", name: "Shipped", category: "done" },
      ],
      transitions: [],
    });
    await createTask(projectId, { title: "one" });
    expect((await board(projectId)).map((c) => [c.status, c.name, c.total])).toEqual([
      ["backlog", "Backlog", 1],
      ["shipped", "Shipped", 0],
    ]);
  });
});

describe("move and rank", () => {
  it("places a task between its new neighbours without renumbering anyone", async () => {
    const projectId = await newProject();
    const a = await createTask(projectId, { title: "A" });
    const b = await createTask(projectId, { title: "B" });
    const c = await createTask(projectId, { title: "C" });
    const moved = await move(c.id, { afterId: a.id });
    expect(moved.version).toBe(2);
    expect(await column(projectId, "todo")).toEqual(["A", "C", "B"]);
    const after = await board(projectId);
    const ranks = Object.fromEntries(after[0]!.tasks.map((x) => [x.title, x.rank]));
    expect(ranks.A).toBe(a.rank);
    expect(ranks.B).toBe(b.rank);
    await move(b.id, { beforeId: a.id });
    expect(await column(projectId, "todo")).toEqual(["B", "A", "C"]);
    const last = await move(b.id, {});
    expect(await column(projectId, "todo")).toEqual(["A", "C", "B"]);
    // Dropping a card where it already is changes nothing.
    const again = await move(b.id, { afterId: c.id });
    expect([again.rank, again.version]).toEqual([last.rank, last.version]);
  });

  it("moves across columns, with the workflow's rules and the done progress rule", async () => {
    const projectId = await newProject();
    const a = await createTask(projectId, { title: "A" });
    const b = await createTask(projectId, { title: "B" });
    await move(a.id, { status: "in_progress" });
    const bMoved = await move(b.id, { status: "in_progress", beforeId: a.id });
    expect(bMoved.status).toBe("in_progress");
    expect(await column(projectId, "in_progress")).toEqual(["B", "A"]);
    expect(await column(projectId, "todo")).toEqual([]);
    const done = await move(a.id, { status: "done" });
    expect(done).toMatchObject({ status: "done", progress: 100 });
  });

  it("keeps order through many drops at the same spot", async () => {
    const projectId = await newProject();
    const first = await createTask(projectId, { title: "first" });
    const last = await createTask(projectId, { title: "last" });
    const dropped: string[] = [];
    for (let i = 0; i < 40; i++) {
      const x = await createTask(projectId, { title: `x${i}` });
      await move(x.id, { afterId: first.id });
      dropped.unshift(`x${i}`);
    }
    expect(await column(projectId, "todo")).toEqual(["first", ...dropped, "last"]);
    expect(last.rank > first.rank).toBe(true);
  });

  it("gives two cards dropped on the same spot at once distinct places", async () => {
    const projectId = await newProject();
    const a = await createTask(projectId, { title: "A" });
    const b = await createTask(projectId, { title: "B" });
    const x = await createTask(projectId, { title: "X" });
    const y = await createTask(projectId, { title: "Y" });
    const [mx, my] = await Promise.all([
      call(t, "POST", `/api/v1/tasks/${x.id}/move`, { token: member.token, body: { afterId: a.id, beforeId: b.id } }),
      call(t, "POST", `/api/v1/tasks/${y.id}/move`, { token: member.token, body: { afterId: a.id, beforeId: b.id } }),
    ]);
    expect([mx.status, my.status]).toEqual([200, 200]);
    expect(mx.body.rank).not.toBe(my.body.rank);
    const order = await column(projectId, "todo");
    expect(order[0]).toBe("A");
    expect(order[3]).toBe("B");
    expect(order.slice(1, 3).sort()).toEqual(["X", "Y"]);
  });

  it("refuses neighbours that are the task itself or belong to another project", async () => {
    const projectId = await newProject();
    const otherProject = await newProject();
    const a = await createTask(projectId, { title: "A" });
    const foreign = await createTask(otherProject, { title: "F" });
    const self = await call(t, "POST", `/api/v1/tasks/${a.id}/move`, { token: member.token, body: { afterId: a.id } });
    expect(self.status).toBe(422);
    expect(self.body.errors[0].path).toBe("body.afterId");
    const other = await call(t, "POST", `/api/v1/tasks/${a.id}/move`, { token: member.token, body: { beforeId: foreign.id } });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].path).toBe("body.beforeId");
  });
});

describe("summary", () => {
  it("counts statuses, weights progress by estimate, and counts overdue and due-this-week open tasks", async () => {
    const projectId = await newProject();
    expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${member.id}`, { token: owner.token, body: { role: "member" } })).status).toBe(200);
    await createTask(projectId, { title: "T1", status: "in_progress", estimateHours: 10, progress: 50 });
    await createTask(projectId, { title: "T2", status: "in_review", progress: 100 });
    await createTask(projectId, { title: "T3", status: "done", estimateHours: 4 });
    await createTask(projectId, { title: "overdue", estimateHours: 0, dueDate: isoDate(-1) });
    await createTask(projectId, { title: "late but done", status: "done", estimateHours: 0, dueDate: isoDate(-1) });
    await createTask(projectId, { title: "due today", estimateHours: 0, dueDate: isoDate(0) });
    await createTask(projectId, { title: "far away", estimateHours: 0, dueDate: isoDate(60) });
    const res = await call(t, "GET", `/api/v1/projects/${projectId}/summary`, { token: member.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      counts: { todo: 3, in_progress: 1, in_review: 1, done: 2 },
      // (50 x 10 + 100 x 1 + 100 x 4) / 15; zero estimates weigh nothing
      progress: 67,
      overdue: 1,
      dueThisWeek: 1,
      memberCount: 2,
    });
  });

  it("reports an empty project as all zeros", async () => {
    const projectId = await newProject();
    const res = await call(t, "GET", `/api/v1/projects/${projectId}/summary`, { token: owner.token });
    expect(res.body).toEqual({ counts: { todo: 0, in_progress: 0, in_review: 0, done: 0 }, progress: 0, overdue: 0, dueThisWeek: 0, memberCount: 1 });
  });
});

describe("my tasks", () => {
  it("lists my tasks across projects, soonest due first, with `open` per each project's workflow", async () => {
    const p1 = await newProject();
    const p2 = await newProject({
      statuses: [
        { key: "backlog", name: "Backlog", category: "todo" },
        { key: "shipped", name: "Shipped", category: "done" },
      ],
      transitions: [],
    });
    const archived = await newProject();
    const me = await addMember(t, orgId, owner, "member");
    await createTask(p1, { title: "p1 jan 3", assigneeId: me.id, dueDate: "2030-01-03" });
    await createTask(p2, { title: "p2 jan 1 shipped", assigneeId: me.id, dueDate: "2030-01-01", status: "shipped" });
    await createTask(p2, { title: "p2 undated", assigneeId: me.id });
    await createTask(p1, { title: "p1 jan 2 review", assigneeId: me.id, dueDate: "2030-01-02", status: "in_review" });
    await createTask(p1, { title: "someone else's", assigneeId: owner.id, dueDate: "2030-01-01" });
    await createTask(archived, { title: "archived", assigneeId: me.id, dueDate: "2030-01-01" });
    expect((await call(t, "DELETE", `/api/v1/projects/${archived}`, { token: owner.token })).status).toBe(204);

    const mine = async (qs: string) => {
      const res = await call(t, "GET", `/api/v1/me/tasks${qs}`, { token: me.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { items: { title: string }[]; nextCursor: string | null };
    };
    const names = async (qs: string) => (await mine(qs)).items.map((x) => x.title);
    expect(await names("")).toEqual(["p2 jan 1 shipped", "p1 jan 2 review", "p1 jan 3", "p2 undated"]);
    expect(await names("?status=open")).toEqual(["p1 jan 2 review", "p1 jan 3", "p2 undated"]);
    expect(await names("?status=in_review")).toEqual(["p1 jan 2 review"]);
    expect(await names("?dueBefore=2030-01-03")).toEqual(["p2 jan 1 shipped", "p1 jan 2 review"]);

    const first = await mine("?limit=3");
    expect(first.items).toHaveLength(3);
    const second = await mine(`?limit=3&cursor=${first.nextCursor}`);
    expect(second.items.map((x) => x.title)).toEqual(["p2 undated"]);
    expect(second.nextCursor).toBeNull();
    expect((await call(t, "GET", "/api/v1/me/tasks?cursor=bad", { token: me.token })).status).toBe(400);
  });

  it("shows a guest only the tasks of projects it was added to", async () => {
    const projectId = await newProject();
    const guest = await addMember(t, orgId, owner, "guest");
    expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${guest.id}`, { token: owner.token, body: { role: "member" } })).status).toBe(200);
    await createTask(projectId, { title: "for the guest", assigneeId: guest.id });
    const before = await call(t, "GET", "/api/v1/me/tasks", { token: guest.token });
    expect(before.body.items.map((x: { title: string }) => x.title)).toEqual(["for the guest"]);
    expect((await call(t, "DELETE", `/api/v1/projects/${projectId}/members/${guest.id}`, { token: owner.token })).status).toBe(204);
    const after = await call(t, "GET", "/api/v1/me/tasks", { token: guest.token });
    expect(after.body.items).toEqual([]);
  });
});
