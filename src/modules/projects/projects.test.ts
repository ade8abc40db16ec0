import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { call } from "../../../test/http.js";
import { addMember, orgWithOwner, signup, type TestUser } from "../../../test/factories.js";

let t: TestApp;
let owner: TestUser;
let orgId: string;
let manager: TestUser;
let member: TestUser;
let viewer: TestUser;
let orgMember: TestUser;
let guest: TestUser;
let projectId: string;

beforeAll(async () => {
  t = await createTestApp();
  const o = await orgWithOwner(t);
  owner = o.owner;
  orgId = o.org.id;
  manager = await addMember(t, orgId, owner, "member");
  member = await addMember(t, orgId, owner, "guest");
  viewer = await addMember(t, orgId, owner, "member");
  orgMember = await addMember(t, orgId, owner, "member");
  guest = await addMember(t, orgId, owner, "guest");
  const p = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: manager.token, body: { key: "ENG", name: "Engineering 工程" } });
  expect(p.status).toBe(201);
  projectId = p.body.id;
  expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${member.id}`, { token: manager.token, body: { role: "member" } })).status).toBe(200);
  expect((await call(t, "PUT", `/api/v1/projects/${projectId}/members/${viewer.id}`, { token: manager.token, body: { role: "viewer" } })).status).toBe(200);
});
afterAll(async () => t.close());

describe("projects", () => {
  it("creates a project whose creator is manager, with the default workflow", async () => {
    const p = await call(t, "GET", `/api/v1/projects/${projectId}`, { token: manager.token });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ key: "ENG", name: "Engineering 工程", role: "manager", version: 1 });
    expect(p.headers.etag).toBe('"1"');
    const wf = await call(t, "GET", `/api/v1/projects/${projectId}/workflow`, { token: viewer.token });
    expect(wf.body.statuses.map((s: { key: string }) => s.key)).toEqual(["todo", "in_progress", "in_review", "done"]);
    expect(wf.body.statuses.map((s: { category: string }) => s.category)).toEqual(["todo", "in_progress", "in_progress", "done"]);
    expect(wf.body.transitions).toEqual([]);
  });

  it("validates the key and refuses a duplicate in the same org with 409", async () => {
    for (const key of ["e", "eng", "TOOLONGKEY1", "EN-G", ""]) {
      const r = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key, name: "x" } });
      expect(r.status, key).toBe(400);
      expect(r.body.errors[0].path).toBe("body.key");
    }
    const dup = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "ENG", name: "again" } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("project_key_taken");
    const other = await orgWithOwner(t);
    const sameKeyElsewhere = await call(t, "POST", `/api/v1/orgs/${other.org.id}/projects`, { token: other.owner.token, body: { key: "ENG", name: "ok" } });
    expect(sameKeyElsewhere.status).toBe(201);
  });

  it("shows guests only the projects they belong to", async () => {
    const forGuest = await call(t, "GET", `/api/v1/orgs/${orgId}/projects`, { token: guest.token });
    expect(forGuest.body.items).toEqual([]);
    expect((await call(t, "GET", `/api/v1/projects/${projectId}`, { token: guest.token })).status).toBe(404);
    const forMemberGuest = await call(t, "GET", `/api/v1/orgs/${orgId}/projects`, { token: member.token });
    expect(forMemberGuest.body.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
    const forOrgMember = await call(t, "GET", `/api/v1/projects/${projectId}`, { token: orgMember.token });
    expect(forOrgMember.body.role).toBe("member");
  });

  it("hides projects of other orgs as 404", async () => {
    const outsider = await signup(t);
    for (const [method, url] of [
      ["GET", `/api/v1/projects/${projectId}`],
      ["GET", `/api/v1/projects/${projectId}/workflow`],
      ["GET", `/api/v1/orgs/${orgId}/projects`],
    ] as const) {
      expect((await call(t, method, url, { token: outsider.token })).status, url).toBe(404);
    }
  });

  const matrix: { action: string; allowed: string[]; run: (u: TestUser) => Promise<{ status: number }> }[] = [
    { action: "read the project", allowed: ["manager", "member", "viewer", "orgMember"], run: (u) => call(t, "GET", `/api/v1/projects/${projectId}`, { token: u.token }) },
    { action: "rename the project", allowed: ["manager"], run: (u) => call(t, "PATCH", `/api/v1/projects/${projectId}`, { token: u.token, body: { name: "工程部项目" } }) },
    {
      action: "replace the workflow",
      allowed: ["manager"],
      run: async (u) => {
        const wf = await call(t, "GET", `/api/v1/projects/${projectId}/workflow`, { token: manager.token });
        return call(t, "PUT", `/api/v1/projects/${projectId}/workflow`, { token: u.token, body: wf.body });
      },
    },
    { action: "set a project member", allowed: ["manager"], run: (u) => call(t, "PUT", `/api/v1/projects/${projectId}/members/${orgMember.id}`, { token: u.token, body: { role: "member" } }) },
  ];
  const who = () => ({ manager, member, viewer, orgMember });
  for (const c of matrix) {
    for (const role of ["manager", "member", "viewer", "orgMember"]) {
      const allowed = c.allowed.includes(role);
      it(`${allowed ? "lets" : "forbids"} a project ${role} ${c.action}`, async () => {
        const res = await c.run(who()[role as keyof ReturnType<typeof who>]);
        if (allowed) expect(res.status).toBeLessThan(300);
        else expect(res.status).toBe(403);
      });
    }
  }

  it("honours If-Match on PATCH with 412 version_conflict", async () => {
    const cur = await call(t, "GET", `/api/v1/projects/${projectId}`, { token: manager.token });
    const v = cur.body.version as number;
    const stale = await call(t, "PATCH", `/api/v1/projects/${projectId}`, { token: manager.token, headers: { "if-match": `"${v - 1}"` }, body: { description: "x" } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("version_conflict");
    const ok = await call(t, "PATCH", `/api/v1/projects/${projectId}`, { token: manager.token, headers: { "if-match": `"${v}"` }, body: { description: "说明" } });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(v + 1);
    expect(ok.headers.etag).toBe(`"${v + 1}"`);
    const garbage = await call(t, "PATCH", `/api/v1/projects/${projectId}`, { token: manager.token, headers: { "if-match": "nonsense" }, body: { description: "y" } });
    expect(garbage.status).toBe(400);
  });

  it("refuses project membership for users outside the org", async () => {
    const stranger = await signup(t);
    const res = await call(t, "PUT", `/api/v1/projects/${projectId}/members/${stranger.id}`, { token: manager.token, body: { role: "member" } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("not_org_member");
  });

  it("validates workflows: unknown statuses, duplicates and self-transitions are 422 with paths", async () => {
    const bad = await call(t, "PUT", `/api/v1/projects/${projectId}/workflow`, {
      token: manager.token,
      body: {
        statuses: [
          { key: "todo", name: "待办", category: "todo" },
          { key: "todo", name: "again", category: "todo" },
          { key: "done", name: "完成", category: "done" },
        ],
        transitions: [{ from: "todo", to: "nowhere" }, { from: "done", to: "done" }],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe("invalid_workflow");
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.statuses.1.key", "body.transitions.0.to", "body.transitions.1"]);
    const badCategory = await call(t, "PUT", `/api/v1/projects/${projectId}/workflow`, {
      token: manager.token,
      body: { statuses: [{ key: "todo", name: "x", category: "later" }], transitions: [] },
    });
    expect(badCategory.status).toBe(400);
    const good = await call(t, "PUT", `/api/v1/projects/${projectId}/workflow`, {
      token: manager.token,
      body: {
        statuses: [
          { key: "todo", name: "待办", category: "todo" },
          { key: "doing", name: "进行中", category: "in_progress" },
          { key: "done", name: "完成", category: "done" },
        ],
        transitions: [{ from: "todo", to: "doing" }, { from: "doing", to: "done", approvalFlowKey: "task-done" }],
      },
    });
    expect(good.status).toBe(200);
    expect(good.body.transitions[1]).toEqual({ from: "doing", to: "done", approvalFlowKey: "task-done" });
  });

  it("deletes (archives) a project so it disappears with 404", async () => {
    const p = await call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: owner.token, body: { key: "TMP", name: "temp" } });
    expect((await call(t, "DELETE", `/api/v1/projects/${p.body.id}`, { token: member.token })).status).toBe(404);
    expect((await call(t, "DELETE", `/api/v1/projects/${p.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await call(t, "GET", `/api/v1/projects/${p.body.id}`, { token: owner.token })).status).toBe(404);
    const list = await call(t, "GET", `/api/v1/orgs/${orgId}/projects`, { token: owner.token });
    expect(list.body.items.map((x: { key: string }) => x.key)).not.toContain("TMP");
  });
});
