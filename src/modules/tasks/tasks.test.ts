import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let viewer: TestUser;
let guest: TestUser;
let orgId: string;
let keySeq = 0;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  member = await addMember(t, orgId, owner, "member");
  viewer = await addMember(t, orgId, owner, "member");
  guest = await addMember(t, orgId, owner, "guest");
});
afterAll(async () => t.close());

async function newProject(workflow?: unknown): Promise<{ id: string; key: string }> {
  const key = `P${++keySeq}`;
  const res = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: `Project ${key}` } });
  expect(res.status).toBe(201);
  const put = await call(t, "PUT", `/api/v1/projects/${res.body.id}/members/${viewer.id}`, { token: owner.token, body: { role: "viewer" } });
  expect(put.status).toBe(200);
  if (workflow) expect((await call(t, "PUT", `/api/v1/projects/${res.body.id}/workflow`, { token: owner.token, body: workflow })).status).toBe(200);
  return { id: res.body.id, key };
}

async function createTask(projectId: string, body: Record<string, unknown>, user = owner) {
  const res = await call(t, "POST", `/api/v1/projects/${projectId}/tasks`, { token: user.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("task CRUD", () => {
  it("creates a task with defaults, the next key and an ETag", async () => {
    const p = await newProject();
    const res = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: member.token, body: { title: "  Write the spec  " } });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      key: `${p.key}-1`,
      number: 1,
      projectId: p.id,
      title: "Write the spec",
      description: "",
      status: "todo",
      priority: "none",
      assigneeId: null,
      reporterId: member.id,
      startDate: null,
      dueDate: null,
      estimateHours: null,
      spentHours: 0,
      progress: 0,
      parentId: null,
      labels: [],
      pendingApprovalId: null,
      version: 1,
    });
    expect(typeof res.body.rank).toBe("string");
    const second = await createTask(p.id, { title: "Second" });
    expect(second.key).toBe(`${p.key}-2`);
  });

  it("stores every writable field and de-duplicates labels", async () => {
    const p = await newProject();
    const task = await createTask(p.id, {
      title: "Design review",
      description: "Check the **layout**",
      status: "in_progress",
      priority: "high",
      assigneeId: member.id,
      startDate: "2030-01-06",
      dueDate: "2030-01-10",
      estimateHours: 2.5,
      labels: [" ui ", "ui", "backend"],
      progress: 30,
    });
    expect(task).toMatchObject({
      description: "Check the **layout**",
      status: "in_progress",
      priority: "high",
      assigneeId: member.id,
      startDate: "2030-01-06",
      dueDate: "2030-01-10",
      estimateHours: 2.5,
      labels: ["ui", "backend"],
      progress: 30,
    });
  });

  it("reads a task by UUID or by key, and answers 404 for anything else", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Find me" });
    const byId = await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: member.token });
    expect(byId.status).toBe(200);
    expect(byId.headers.etag).toBe('"1"');
    const byKey = await call(t, "GET", `/api/v1/tasks/${task.key}`, { token: member.token });
    expect(byKey.body.id).toBe(task.id);
    expect((await call(t, "GET", `/api/v1/tasks/${task.key.toLowerCase()}`, { token: member.token })).body.id).toBe(task.id);
    for (const missing of [`${p.key}-999`, "NOPE-1", "not a key", randomUUID(), `${p.key}-0`, "ENG-99999999999"]) {
      const res = await call(t, "GET", `/api/v1/tasks/${encodeURIComponent(missing)}`, { token: member.token });
      expect(res.status, missing).toBe(404);
      expect(res.body.code).toBe("not_found");
    }
  });

  it("changes fields, bumps the version only when something changed, and clears with null", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Patch me", assigneeId: member.id, dueDate: "2030-02-01" });
    const patched = await call(t, "PATCH", `/api/v1/tasks/${task.key}`, { token: member.token, body: { title: "Patched", priority: "urgent" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: "Patched", priority: "urgent", version: 2 });
    expect(patched.headers.etag).toBe('"2"');
    const same = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: member.token, body: { title: "Patched" } });
    expect(same.body.version).toBe(2);
    const cleared = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: member.token, body: { assigneeId: null, dueDate: null } });
    expect(cleared.body).toMatchObject({ assigneeId: null, dueDate: null, version: 3 });
  });

  it("deletes a task: 204, then 404", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Short-lived" });
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.key}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: owner.token })).status).toBe(404);
    expect((await call(t, "DELETE", `/api/v1/tasks/${task.id}`, { token: owner.token })).status).toBe(404);
  });
});

describe("validation", () => {
  it("lists every invalid body field with its path", async () => {
    const p = await newProject();
    const res = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, {
      token: owner.token,
      body: {
        title: "",
        description: "x".repeat(100_001),
        status: "Not A Key",
        priority: "asap",
        assigneeId: "nobody",
        startDate: "2030-02-30",
        dueDate: "0000-01-01",
        estimateHours: -1,
        parentId: 42,
        labels: ["ok", ""],
        progress: 101,
        color: "red",
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    const paths = new Set(res.body.errors.map((e: { path: string }) => e.path));
    for (const path of [
      "body.title",
      "body.description",
      "body.status",
      "body.priority",
      "body.assigneeId",
      "body.startDate",
      "body.dueDate",
      "body.estimateHours",
      "body.parentId",
      "body.labels.1",
      "body.progress",
      "body.color",
    ]) {
      expect(paths, path).toContain(path);
    }
  });

  it("refuses a missing or blank title, a 501-character title, and a fractional progress", async () => {
    const p = await newProject();
    const url = `/api/v1/projects/${p.id}/tasks`;
    const missing = await call(t, "POST", url, { token: owner.token, body: {} });
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "body.title" })]));
    for (const body of [{ title: "   " }, { title: "x".repeat(501) }, { title: "ok", progress: 1.5 }]) {
      expect((await call(t, "POST", url, { token: owner.token, body })).status).toBe(400);
    }
    expect((await call(t, "POST", url, { token: owner.token, body: { title: "x".repeat(500), description: "y".repeat(100_000) } })).status).toBe(201);
  });

  it("refuses a due date before the start date with 422 on body.dueDate, on create and on change", async () => {
    const p = await newProject();
    const bad = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: owner.token, body: { title: "Dates", startDate: "2030-03-02", dueDate: "2030-03-01" } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "body.dueDate" })]);
    const task = await createTask(p.id, { title: "Dates", startDate: "2030-03-02", dueDate: "2030-03-02" });
    const patch = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { startDate: "2030-03-05" } });
    expect(patch.status).toBe(422);
  });

  it("refuses an assignee who cannot see the project with 422 invalid_assignee", async () => {
    const p = await newProject();
    const { owner: stranger } = await orgWithOwner(t);
    for (const assigneeId of [guest.id, stranger.id, randomUUID()]) {
      const res = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: owner.token, body: { title: "Assign", assigneeId } });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("invalid_assignee");
      expect(res.body.errors).toEqual([expect.objectContaining({ path: "body.assigneeId" })]);
    }
    expect((await call(t, "PUT", `/api/v1/projects/${p.id}/members/${guest.id}`, { token: owner.token, body: { role: "member" } })).status).toBe(200);
    const task = await createTask(p.id, { title: "Assign", assigneeId: guest.id });
    expect(task.assigneeId).toBe(guest.id);
  });

  it("refuses an unknown status on create with 422 unknown_status", async () => {
    const p = await newProject();
    const res = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: owner.token, body: { title: "x", status: "archived" } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("unknown_status");
  });
});

describe("optimistic concurrency", () => {
  it("answers 412 version_conflict to a stale If-Match and applies a current one", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Versioned" });
    await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { title: "v2" } });
    const stale = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, headers: { "if-match": '"1"' }, body: { title: "lost update" } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("version_conflict");
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: owner.token })).body.title).toBe("v2");
    const ok = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, headers: { "if-match": 'W/"2"' }, body: { title: "v3" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe('"3"');
    const garbage = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, headers: { "if-match": "yesterday" }, body: { title: "v4" } });
    expect(garbage.status).toBe(400);
  });
});

describe("workflow rules", () => {
  const guarded = {
    statuses: [
      { key: "todo", name: "To do", category: "todo" },
      { key: "doing", name: "Doing", category: "in_progress" },
      { key: "done", name: "Done", category: "done" },
    ],
    transitions: [
      { from: "todo", to: "doing" },
      { from: "doing", to: "todo" },
      { from: "doing", to: "done", approvalFlowKey: "sign-off" },
    ],
  };

  it("refuses a transition the workflow does not list with 409 transition_not_allowed", async () => {
    const p = await newProject(guarded);
    const task = await createTask(p.id, { title: "Flow" });
    const res = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "done" } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("transition_not_allowed");
    const move = await call(t, "POST", `/api/v1/tasks/${task.id}/move`, { token: owner.token, body: { status: "done" } });
    expect(move.body.code).toBe("transition_not_allowed");
  });

  it("refuses a status outside the workflow with 422 unknown_status", async () => {
    const p = await newProject(guarded);
    const task = await createTask(p.id, { title: "Flow" });
    const res = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "shipped" } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("unknown_status");
  });

  it("answers 409 approval_required for a guarded transition and leaves the task unchanged", async () => {
    const p = await newProject(guarded);
    const task = await createTask(p.id, { title: "Needs sign-off" });
    const doing = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "doing" } });
    expect(doing.status).toBe(200);
    const res = await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { token: owner.token, body: { status: "done", title: "Renamed too" } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("approval_required");
    expect(res.body.detail).toContain("sign-off");
    const move = await call(t, "POST", `/api/v1/tasks/${task.id}/move`, { token: owner.token, body: { status: "done" } });
    expect(move.body.code).toBe("approval_required");
    const after = await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: owner.token });
    expect(after.body).toMatchObject({ status: "doing", title: "Needs sign-off", version: doing.body.version, pendingApprovalId: null });
  });

  it("creates only in statuses reachable from the first one", async () => {
    const p = await newProject(guarded);
    expect((await createTask(p.id, { title: "Started", status: "doing" })).status).toBe("doing");
    const res = await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: owner.token, body: { title: "Skip", status: "done" } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("transition_not_allowed");
  });

  it("sets progress to 100 when a task enters a done-category status, unless progress is given", async () => {
    const p = await newProject();
    const a = await createTask(p.id, { title: "A", progress: 40 });
    const done = await call(t, "PATCH", `/api/v1/tasks/${a.id}`, { token: owner.token, body: { status: "done" } });
    expect(done.body).toMatchObject({ status: "done", progress: 100 });
    const b = await createTask(p.id, { title: "B" });
    const partial = await call(t, "PATCH", `/api/v1/tasks/${b.id}`, { token: owner.token, body: { status: "done", progress: 80 } });
    expect(partial.body).toMatchObject({ status: "done", progress: 80 });
    expect((await createTask(p.id, { title: "C", status: "done" })).progress).toBe(100);
  });

  it("keeps a workflow from dropping a status that tasks still use", async () => {
    const p = await newProject();
    await createTask(p.id, { title: "Under review", status: "in_review" });
    const res = await call(t, "PUT", `/api/v1/projects/${p.id}/workflow`, {
      token: owner.token,
      body: { statuses: [{ key: "todo", name: "To do", category: "todo" }, { key: "done", name: "Done", category: "done" }], transitions: [] },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining("in_review") })]);
  });
});

describe("permissions and tenancy", () => {
  it("lets a viewer read but not write (403)", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Read only" });
    const as = { token: viewer.token };
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, as)).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/projects/${p.id}/tasks`, as)).status).toBe(200);
    const writes = [
      await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { ...as, body: { title: "No" } }),
      await call(t, "PATCH", `/api/v1/tasks/${task.id}`, { ...as, body: { title: "No" } }),
      await call(t, "POST", `/api/v1/tasks/${task.id}/move`, { ...as, body: {} }),
      await call(t, "POST", `/api/v1/tasks/${task.id}/comments`, { ...as, body: { body: "No" } }),
      await call(t, "DELETE", `/api/v1/tasks/${task.id}`, as),
    ];
    for (const res of writes) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("forbidden");
    }
  });

  it("lets the manager and the reporter delete, and nobody else", async () => {
    const p = await newProject();
    const byOwner = await createTask(p.id, { title: "Owner's" });
    const byMember = await createTask(p.id, { title: "Member's" }, member);
    const colleague = await addMember(t, orgId, owner, "member");
    expect((await call(t, "DELETE", `/api/v1/tasks/${byOwner.id}`, { token: member.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/tasks/${byMember.id}`, { token: colleague.token })).status).toBe(403);
    expect((await call(t, "DELETE", `/api/v1/tasks/${byMember.id}`, { token: member.token })).status).toBe(204);
    expect((await call(t, "DELETE", `/api/v1/tasks/${byOwner.id}`, { token: owner.token })).status).toBe(204);
  });

  it("answers 404 on every task route to another organization and to a guest outside the project", async () => {
    const p = await newProject();
    const task = await createTask(p.id, { title: "Private" });
    const { owner: stranger } = await orgWithOwner(t);
    for (const user of [stranger, guest]) {
      const as = { token: user.token };
      for (const ref of [task.id, task.key]) {
        const responses = [
          await call(t, "GET", `/api/v1/tasks/${ref}`, as),
          await call(t, "PATCH", `/api/v1/tasks/${ref}`, { ...as, body: { title: "x" } }),
          await call(t, "DELETE", `/api/v1/tasks/${ref}`, as),
          await call(t, "POST", `/api/v1/tasks/${ref}/move`, { ...as, body: {} }),
          await call(t, "POST", `/api/v1/tasks/${ref}/comments`, { ...as, body: { body: "x" } }),
          await call(t, "GET", `/api/v1/tasks/${ref}/comments`, as),
          await call(t, "GET", `/api/v1/tasks/${ref}/activity`, as),
        ];
        for (const res of responses) expect(res.status).toBe(404);
      }
      for (const path of ["tasks", "board", "summary"]) expect((await call(t, "GET", `/api/v1/projects/${p.id}/${path}`, as)).status).toBe(404);
      expect((await call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { ...as, body: { title: "x" } })).status).toBe(404);
    }
    expect((await call(t, "GET", `/api/v1/tasks/${task.id}`, { token: owner.token })).body.title).toBe("Private");
  });
});

describe("numbering", () => {
  it("gives a concurrent burst of creates unique, gap-free numbers", async () => {
    const p = await newProject();
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => call(t, "POST", `/api/v1/projects/${p.id}/tasks`, { token: i % 2 ? owner.token : member.token, body: { title: `Burst ${i}` } })),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(25).fill(201));
    const numbers = burst.map((r) => r.body.number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(burst.map((r) => r.body.key)).size).toBe(25);
    expect(new Set(burst.map((r) => r.body.rank)).size).toBe(25);
  });
});
