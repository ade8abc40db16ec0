import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { call } from "../../../test/http.js";
import { addMember, orgWithOwner, signup, type TestUser } from "../../../test/factories.js";

let t: TestApp;
let owner: TestUser;
let orgId: string;
const users: Record<"owner" | "admin" | "member" | "guest", TestUser> = {} as never;

beforeAll(async () => {
  t = await createTestApp();
  const o = await orgWithOwner(t);
  owner = o.owner;
  orgId = o.org.id;
  users.owner = owner;
  users.admin = await addMember(t, orgId, owner, "admin");
  users.member = await addMember(t, orgId, owner, "member");
  users.guest = await addMember(t, orgId, owner, "guest");
});
afterAll(async () => t.close());

type Role = keyof typeof users;
const roles: Role[] = ["owner", "admin", "member", "guest"];

describe("org role x action matrix", () => {
  const cases: { action: string; allowed: Role[]; run: (u: TestUser) => Promise<{ status: number }> }[] = [
    { action: "read the org", allowed: roles, run: (u) => call(t, "GET", `/api/v1/orgs/${orgId}`, { token: u.token }) },
    { action: "list members", allowed: roles, run: (u) => call(t, "GET", `/api/v1/orgs/${orgId}/members`, { token: u.token }) },
    { action: "rename the org", allowed: ["owner", "admin"], run: (u) => call(t, "PATCH", `/api/v1/orgs/${orgId}`, { token: u.token, body: { name: "Renamed" } }) },
    {
      action: "invite a member",
      allowed: ["owner", "admin"],
      run: (u) => call(t, "POST", `/api/v1/orgs/${orgId}/invitations`, { token: u.token, body: { email: `x-${Math.random()}@example.com`, role: "member" } }),
    },
    { action: "create a department", allowed: ["owner", "admin"], run: (u) => call(t, "POST", `/api/v1/orgs/${orgId}/departments`, { token: u.token, body: { name: "研发部" } }) },
    {
      action: "create a project",
      allowed: ["owner", "admin", "member"],
      run: (u) => call(t, "POST", `/api/v1/orgs/${orgId}/projects`, { token: u.token, body: { key: `P${Math.floor(Math.random() * 1e8)}`, name: "项目" } }),
    },
    {
      action: "change a member's department",
      allowed: ["owner", "admin"],
      run: async (u) => {
        const target = await addMember(t, orgId, owner, "member");
        return call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${target.id}`, { token: u.token, body: { departmentId: null } });
      },
    },
    {
      action: "remove a member",
      allowed: ["owner", "admin"],
      run: async (u) => {
        const target = await addMember(t, orgId, owner, "member");
        return call(t, "DELETE", `/api/v1/orgs/${orgId}/members/${target.id}`, { token: u.token });
      },
    },
  ];
  for (const c of cases) {
    for (const role of roles) {
      const allowed = c.allowed.includes(role);
      it(`${allowed ? "lets" : "forbids"} a${role === "owner" || role === "admin" ? "n" : ""} ${role} ${c.action}`, async () => {
        const res = await c.run(users[role]);
        if (allowed) expect(res.status).toBeLessThan(300);
        else expect(res.status).toBe(403);
      });
    }
  }
});

describe("org rules", () => {
  it("answers 404 (not 403) to a non-member, and 404 for an org that does not exist", async () => {
    const outsider = await signup(t);
    expect((await call(t, "GET", `/api/v1/orgs/${orgId}`, { token: outsider.token })).status).toBe(404);
    expect((await call(t, "GET", `/api/v1/orgs/00000000-0000-4000-8000-000000000000`, { token: owner.token })).status).toBe(404);
  });

  it("refuses a duplicate slug with 409 org_slug_taken", async () => {
    const a = await call(t, "POST", "/api/v1/orgs", { token: owner.token, body: { name: "A", slug: "dup-slug" } });
    expect(a.status).toBe(201);
    const b = await call(t, "POST", "/api/v1/orgs", { token: owner.token, body: { name: "B", slug: "dup-slug" } });
    expect(b.status).toBe(409);
    expect(b.body.code).toBe("org_slug_taken");
  });

  it("keeps at least one owner", async () => {
    const solo = await orgWithOwner(t);
    const res = await call(t, "PATCH", `/api/v1/orgs/${solo.org.id}/members/${solo.owner.id}`, { token: solo.owner.token, body: { role: "admin" } });
    expect(res.status).toBe(409);
    const del = await call(t, "DELETE", `/api/v1/orgs/${solo.org.id}/members/${solo.owner.id}`, { token: solo.owner.token });
    expect(del.status).toBe(409);
  });

  it("lets only owners grant the owner role", async () => {
    const target = await addMember(t, orgId, owner, "member");
    const byAdmin = await call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${target.id}`, { token: users.admin.token, body: { role: "owner" } });
    expect(byAdmin.status).toBe(403);
    const invite = await call(t, "POST", `/api/v1/orgs/${orgId}/invitations`, { token: users.admin.token, body: { email: "boss@example.com", role: "owner" } });
    expect(invite.status).toBe(403);
    const byOwner = await call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${target.id}`, { token: owner.token, body: { role: "owner" } });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.role).toBe("owner");
  });

  it("sets managers and departments, refusing a reporting loop and foreign ids", async () => {
    const a = await addMember(t, orgId, owner, "member");
    const b = await addMember(t, orgId, owner, "member");
    const dept = await call(t, "POST", `/api/v1/orgs/${orgId}/departments`, { token: owner.token, body: { name: "设计部", headId: a.id } });
    expect(dept.status).toBe(201);
    const setB = await call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${b.id}`, { token: owner.token, body: { managerId: a.id, departmentId: dept.body.id } });
    expect(setB.status).toBe(200);
    expect(setB.body).toMatchObject({ managerId: a.id, departmentId: dept.body.id });
    const loop = await call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${a.id}`, { token: owner.token, body: { managerId: b.id } });
    expect(loop.status).toBe(400);
    expect(loop.body.errors[0].path).toBe("body.managerId");
    const stranger = await signup(t);
    const foreign = await call(t, "PATCH", `/api/v1/orgs/${orgId}/members/${a.id}`, { token: owner.token, body: { managerId: stranger.id } });
    expect(foreign.status).toBe(400);
    const members = await call(t, "GET", `/api/v1/orgs/${orgId}/members`, { token: users.guest.token });
    expect(members.body.items.find((m: { userId: string }) => m.userId === b.id)).toMatchObject({ managerId: a.id, departmentId: dept.body.id });
  });

  it("pages members with a cursor and no duplicates", async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await call(t, "GET", `/api/v1/orgs/${orgId}/members?limit=2${q}`, { token: owner.token });
      expect(page.status).toBe(200);
      for (const m of page.body.items) {
        expect(seen.has(m.userId)).toBe(false);
        seen.add(m.userId);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await call(t, "GET", `/api/v1/orgs/${orgId}/members?limit=200`, { token: owner.token });
    expect(seen.size).toBe(all.body.items.length);
    const bad = await call(t, "GET", `/api/v1/orgs/${orgId}/members?cursor=not-a-cursor`, { token: owner.token });
    expect(bad.status).toBe(400);
  });

  it("lets an existing account accept an invitation", async () => {
    const existing = await signup(t);
    const inv = await call(t, "POST", `/api/v1/orgs/${orgId}/invitations`, { token: owner.token, body: { email: existing.email, role: "member" } });
    const accepted = await call(t, "POST", "/api/v1/invitations/accept", { token: existing.token, body: { token: inv.body.token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: orgId, role: "member" });
    const again = await call(t, "POST", "/api/v1/invitations/accept", { token: existing.token, body: { token: inv.body.token } });
    expect(again.status).toBe(400);
  });
});
