import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { TestApp } from "./app.js";
import { call } from "./http.js";

const unique = () => randomBytes(4).toString("hex");

export interface TestUser {
  id: string;
  email: string;
  name: string;
  token: string;
}

export async function signup(t: TestApp, over: { email?: string; name?: string; password?: string } = {}): Promise<TestUser> {
  const email = over.email ?? `user-${unique()}@example.com`;
  const name = over.name ?? `User ${unique()}`;
  const res = await call(t, "POST", "/api/v1/auth/signup", { body: { email, name, password: over.password ?? "correct-horse-battery" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.user.id, email, name, token: res.body.token };
}

export async function createOrg(t: TestApp, owner: TestUser, name = `Org ${unique()}`): Promise<{ id: string; slug: string }> {
  const res = await call(t, "POST", "/api/v1/orgs", { token: owner.token, body: { name, slug: `org-${unique()}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A new user who joins the org with the given role through a real invitation. */
export async function addMember(t: TestApp, orgId: string, admin: TestUser, role: "owner" | "admin" | "member" | "guest", name?: string): Promise<TestUser> {
  const email = `m-${unique()}@example.com`;
  const inv = await call(t, "POST", `/api/v1/orgs/${orgId}/invitations`, { token: admin.token, body: { email, role } });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const displayName = name ?? `Member ${unique()}`;
  const res = await call(t, "POST", "/api/v1/auth/signup", {
    body: { email, name: displayName, password: "correct-horse-battery", invitationToken: inv.body.token },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.user.id, email, name: displayName, token: res.body.token };
}

/** An owner with an org, ready to work. */
export async function orgWithOwner(t: TestApp): Promise<{ owner: TestUser; org: { id: string; slug: string } }> {
  const owner = await signup(t);
  const org = await createOrg(t, owner);
  return { owner, org };
}
