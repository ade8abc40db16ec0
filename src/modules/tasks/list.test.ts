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

async function newProject(): Promise<string> {
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: `L${++keySeq}`, name: "List" } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function createTask(projectId: string, body: Record<string, unknown>) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function list(projectId: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await call(t, "GET", `/api/v1/projects/${projectId}/tasks?${qs}`, { token: member.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { items: { id: string; title: string; dueDate: string | null; priority: string }[]; nextCursor: string | null };
}

const titles = async (projectId: string, query: Record<string, string | number>) => (await list(projectId, query)).items.map((i) => i.title);

describe("filters", () => {
  let projectId: string;
  let parent: { id: string };
  beforeAll(async () => {
    projectId = await newProject();
    parent = await createTask(projectId, { title: "Parent" });
    await createTask(projectId, { title: "Mine, due soon", assigneeId: member.id, dueDate: "2030-01-05", labels: ["ui"] });
    await createTask(projectId, { title: "Mine, in progress", assigneeId: member.id, status: "in_progress", labels: ["api", "ui"] });
    await createTask(projectId, { title: "Child", parentId: parent.id, dueDate: "2030-02-01", labels: ["api"] });
  });

  it("filters by status, assignee, label, parent and due date, and combines them", async () => {
    expect(await titles(projectId, { status: "in_progress" })).toEqual(["Mine, in progress"]);
    expect(await titles(projectId, { assigneeId: member.id })).toEqual(["Mine, due soon", "Mine, in progress"]);
    expect(await titles(projectId, { label: "ui" })).toEqual(["Mine, due soon", "Mine, in progress"]);
    expect(await titles(projectId, { label: "api", assigneeId: member.id })).toEqual(["Mine, in progress"]);
    expect(await titles(projectId, { parentId: parent.id })).toEqual(["Child"]);
    expect(await titles(projectId, { dueBefore: "2030-01-06" })).toEqual(["Mine, due soon"]);
    expect(await titles(projectId, { dueBefore: "2030-01-05" })).toEqual([]);
    expect(await titles(projectId, { status: "done" })).toEqual([]);
  });

  it("refuses malformed filters with 400", async () => {
    for (const qs of ["status=Not-A-Key", "assigneeId=me", "dueBefore=2030-13-01", "sort=random", "limit=0", "limit=201", "unknown=1"]) {
      const res = await call(t, "GET", `/api/v1/projects/${projectId}/tasks?${qs}`, { token: member.token });
      expect(res.status, qs).toBe(400);
    }
  });
});

describe("sort orders", () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = await newProject();
    await createTask(projectId, { title: "first", priority: "low", dueDate: "2030-03-01" });
    await createTask(projectId, { title: "second", priority: "urgent" });
    await createTask(projectId, { title: "third", priority: "medium", dueDate: "2030-01-01" });
    await createTask(projectId, { title: "fourth", priority: "high", dueDate: "2030-02-01" });
  });

  it("sorts by creation, oldest or newest first", async () => {
    expect(await titles(projectId, { sort: "created" })).toEqual(["first", "second", "third", "fourth"]);
    expect(await titles(projectId, {})).toEqual(["first", "second", "third", "fourth"]);
    expect(await titles(projectId, { sort: "-created" })).toEqual(["fourth", "third", "second", "first"]);
  });

  it("sorts by due date, soonest first and undated last", async () => {
    expect(await titles(projectId, { sort: "due" })).toEqual(["third", "fourth", "first", "second"]);
  });

  it("sorts by priority, most urgent first", async () => {
    expect(await titles(projectId, { sort: "priority" })).toEqual(["second", "fourth", "third", "first"]);
  });

  it("sorts by last update, most recent first", async () => {
    const [, second] = (await list(projectId, { sort: "created" })).items;
    expect((await call(t, "PATCH", `/api/v1/tasks/${second!.id}`, { token: owner.token, body: { description: "touched" } })).status).toBe(200);
    expect((await titles(projectId, { sort: "updated" }))[0]).toBe("second");
  });
});

describe("keyset pagination", () => {
  const sorts = ["created", "-created", "due", "priority", "updated"] as const;
  const priorities = ["urgent", "high", "medium", "low", "none"];

  it.each(sorts)("pages through sort=%s without duplicates or skips while rows are inserted between pages", async (sort) => {
    const projectId = await newProject();
    const existing = new Set<string>();
    for (let i = 0; i < 23; i++) {
      const due = i % 4 === 0 ? null : `2030-0${1 + (i % 3)}-1${i % 2}`;
      existing.add((await createTask(projectId, { title: `row ${i}`, priority: priorities[i % 5], dueDate: due })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(projectId, { sort, limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      // Rows arriving between pages, spread over the same sort keys.
      for (let j = 0; j < 2; j++) {
        await createTask(projectId, { title: `late ${pages}-${j}`, priority: priorities[(pages + j) % 5], dueDate: j ? "2030-02-10" : null });
      }
      pages++;
    } while (cursor && pages < 50);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen).toContain(id);
  });

  it("refuses a cursor of another sort order or a forged one with 400", async () => {
    const projectId = await newProject();
    for (let i = 0; i < 3; i++) await createTask(projectId, { title: `row ${i}` });
    const page = await list(projectId, { sort: "created", limit: 1 });
    const wrongSort = await call(t, "GET", `/api/v1/projects/${projectId}/tasks?sort=due&cursor=${page.nextCursor}`, { token: member.token });
    expect(wrongSort.status).toBe(400);
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    for (const [sort, cursor] of [
      ["due", forge(["due", "2030-02-31", "4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13"])],
      ["priority", forge(["priority", 99, "4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13"])],
      ["created", forge(["created", 1.5, "4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13"])],
      ["created", forge(["created", 1, "not-a-uuid"])],
      ["created", "%%%"],
    ]) {
      const res = await call(t, "GET", `/api/v1/projects/${projectId}/tasks?sort=${sort}&cursor=${encodeURIComponent(cursor!)}`, { token: member.token });
      expect(res.status, `${sort} ${cursor}`).toBe(400);
      expect(res.body.errors[0].path).toBe("query.cursor");
    }
  });
});

describe("text search", () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = await newProject();
    await createTask(projectId, { title: "审批流程设计", description: "请假审批" });
    await createTask(projectId, { title: "季度预算审批" });
    await createTask(projectId, { title: "Design system review", description: "Colors and type scale" });
    await createTask(projectId, { title: "登录页面设计", description: "Mobile design first" });
    await createTask(projectId, { title: "Deploy pipeline", description: "审计 logs" });
    await createTask(projectId, { title: "审批流水与批流程", description: "bigrams present, phrase absent" });
    await createTask(projectId, { title: "Coverage at 100% please" });
    await createTask(projectId, { title: "Coverage at 1000 lines" });
  });

  const search = async (q: string) => (await titles(projectId, { q })).sort();

  it("finds a two-character Chinese word", async () => {
    expect(await search("审批")).toEqual(["季度预算审批", "审批流水与批流程", "审批流程设计"].sort());
    expect(await search("设计")).toEqual(["审批流程设计", "登录页面设计"].sort());
  });

  it("finds a single Chinese character anywhere in title or description", async () => {
    expect(await search("审")).toEqual(["Deploy pipeline", "季度预算审批", "审批流水与批流程", "审批流程设计"].sort());
  });

  it("keeps only real phrase matches when every bigram of a longer query occurs apart", async () => {
    expect(await search("审批流程")).toEqual(["审批流程设计"]);
  });

  it("finds English words by prefix, case-insensitively", async () => {
    expect(await search("desi")).toEqual(["Design system review", "登录页面设计"].sort());
    expect(await search("DESIGN")).toEqual(["Design system review", "登录页面设计"].sort());
    expect(await search("review")).toEqual(["Design system review"]);
  });

  it("requires every term of a mixed Chinese and English query", async () => {
    expect(await search("设计 design")).toEqual(["登录页面设计"]);
    expect(await search("审计 logs")).toEqual(["Deploy pipeline"]);
  });

  it("treats % and _ literally", async () => {
    expect(await search("100%")).toEqual(["Coverage at 100% please"]);
    expect(await search("at_")).toEqual([]);
  });

  it("returns nothing when nothing matches", async () => {
    expect(await search("kubernetes")).toEqual([]);
    expect(await search("批审")).toEqual([]);
    expect(await search("设计 kubernetes")).toEqual([]);
  });

  it("combines search with the other filters and finds tasks by their new text after a change", async () => {
    const task = await createTask(projectId, { title: "Rename me" });
    expect(await search("接口")).toEqual([]);
    expect((await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { title: "接口文档" } })).status).toBe(200);
    expect(await search("接口")).toEqual(["接口文档"]);
    expect(await search("rename")).toEqual([]);
    expect(await titles(projectId, { q: "接口", status: "done" })).toEqual([]);
  });
});
