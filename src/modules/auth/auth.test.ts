import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { call } from "../../../test/http.js";
import { createOrg, signup } from "../../../test/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ PLINTH_OPEN_SIGNUP: "false", PLINTH_LOGIN_MAX_ATTEMPTS: "3", PLINTH_LOGIN_MAX_ATTEMPTS_PER_IP: "8" });
});
afterAll(async () => t.close());

describe("signup and login", () => {
  it("makes the first account the instance admin and then requires an invitation", async () => {
    const first = await call(t, "POST", "/api/v1/auth/signup", { body: { email: "first@example.com", password: "0123456789", name: "First" } });
    expect(first.status).toBe(201);
    expect(first.body.user.isInstanceAdmin).toBe(true);
    expect(first.body.token).toMatch(/^pls_/);

    const second = await call(t, "POST", "/api/v1/auth/signup", { body: { email: "second@example.com", password: "0123456789", name: "Second" } });
    expect(second.status).toBe(403);
    expect(second.body.code).toBe("invitation_required");
    expect(second.headers["content-type"]).toMatch(/application\/problem\+json/);
  });

  it("accepts an invitation, which adds the new account to the org with the invited role", async () => {
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "first@example.com", password: "0123456789" } });
    const owner = { id: login.body.user.id, token: login.body.token as string, email: "first@example.com", name: "First" };
    const org = await createOrg(t, owner);
    const inv = await call(t, "POST", `/api/v1/orgs/${org.id}/invitations`, { token: owner.token, body: { email: "Invited@Example.com", role: "admin" } });
    expect(inv.status).toBe(201);
    const wrongEmail = await call(t, "POST", "/api/v1/auth/signup", {
      body: { email: "other@example.com", password: "0123456789", name: "O", invitationToken: inv.body.token },
    });
    expect(wrongEmail.status).toBe(400);
    const ok = await call(t, "POST", "/api/v1/auth/signup", {
      body: { email: "invited@example.com", password: "0123456789", name: "Invited", invitationToken: inv.body.token },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.user.isInstanceAdmin).toBe(false);
    const me = await call(t, "GET", "/api/v1/me", { token: ok.body.token });
    expect(me.body.orgs).toEqual([expect.objectContaining({ id: org.id, role: "admin" })]);
    const reuse = await call(t, "POST", "/api/v1/auth/signup", {
      body: { email: "invited2@example.com", password: "0123456789", name: "Again", invitationToken: inv.body.token },
    });
    expect(reuse.status).toBe(400);
  });

  it("refuses a duplicate email with 409 email_taken, whatever its case", async () => {
    const res = await call(t, "POST", "/api/v1/auth/signup", { body: { email: "FIRST@example.com", password: "0123456789", name: "Dup" } });
    // Without an invitation the instance refuses first; with open signup it is email_taken (see below).
    expect([403, 409]).toContain(res.status);
  });

  it("gives the same answer for an unknown email and a wrong password", async () => {
    const unknown = await call(t, "POST", "/api/v1/auth/login", { body: { email: "nobody@example.com", password: "whatever-123" } });
    const wrong = await call(t, "POST", "/api/v1/auth/login", { ip: "198.51.100.8", body: { email: "first@example.com", password: "wrong-password" } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.code).toBe("invalid_credentials");
    expect({ ...unknown.body }).toEqual({ ...wrong.body });
  });

  it("rate-limits failed logins per account with 429 and Retry-After", async () => {
    const attempt = () => call(t, "POST", "/api/v1/auth/login", { ip: "198.51.100.7", body: { email: "victim@example.com", password: "bad-password" } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("rate-limits failed logins per IP across accounts", async () => {
    const ip = "203.0.113.9";
    for (let i = 0; i < 8; i++) {
      const r = await call(t, "POST", "/api/v1/auth/login", { ip, body: { email: `spray-${i}@example.com`, password: "bad-password" } });
      expect(r.status).toBe(401);
    }
    const limited = await call(t, "POST", "/api/v1/auth/login", { ip, body: { email: "first@example.com", password: "0123456789" } });
    expect(limited.status).toBe(429);
    const otherIp = await call(t, "POST", "/api/v1/auth/login", { ip: "203.0.113.10", body: { email: "first@example.com", password: "0123456789" } });
    expect(otherIp.status).toBe(200);
  });

  it("sets an httpOnly SameSite=Lax session cookie and requires the CSRF header for cookie writes", async () => {
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "first@example.com", password: "0123456789" } });
    const cookies = ([] as string[]).concat((login.headers["set-cookie"] ?? []) as string | string[]);
    const session = cookies.find((c) => c.startsWith("plinth_session="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    const csrf = cookies.find((c) => c.startsWith("plinth_csrf="))!.split(";")[0]!.split("=")[1]!;
    const cookieHeader = cookies.map((c) => c.split(";")[0]).join("; ");
    const me = await call(t, "GET", "/api/v1/me", { headers: { cookie: cookieHeader } });
    expect(me.status).toBe(200);
    const noHeader = await call(t, "POST", "/api/v1/me/tokens", { headers: { cookie: cookieHeader }, body: { name: "x" } });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.code).toBe("csrf_failed");
    const withHeader = await call(t, "POST", "/api/v1/me/tokens", { headers: { cookie: cookieHeader, "x-csrf-token": csrf }, body: { name: "x" } });
    expect(withHeader.status).toBe(201);
  });

  it("revokes the token on logout", async () => {
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "first@example.com", password: "0123456789" } });
    const token = login.body.token as string;
    expect((await call(t, "GET", "/api/v1/me", { token })).status).toBe(200);
    expect((await call(t, "POST", "/api/v1/auth/logout", { token })).status).toBe(204);
    const after = await call(t, "GET", "/api/v1/me", { token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("unauthenticated");
  });

  it("issues personal access tokens that authenticate until revoked", async () => {
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "first@example.com", password: "0123456789" } });
    const created = await call(t, "POST", "/api/v1/me/tokens", { token: login.body.token, body: { name: "ci" } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^plp_/);
    const pat = created.body.token as string;
    const me = await call(t, "GET", "/api/v1/me", { token: pat });
    expect(me.body.email).toBe("first@example.com");
    const list = await call(t, "GET", "/api/v1/me/tokens", { token: pat });
    expect(JSON.stringify(list.body)).not.toContain(pat);
    expect((await call(t, "DELETE", `/api/v1/me/tokens/${created.body.id}`, { token: login.body.token })).status).toBe(204);
    expect((await call(t, "GET", "/api/v1/me", { token: pat })).status).toBe(401);
    const past = await call(t, "POST", "/api/v1/me/tokens", { token: login.body.token, body: { name: "old", expiresAt: "2001-01-01T00:00:00Z" } });
    expect(past.status).toBe(400);
  });

  it("changes my name and language (zh-CN by default), refusing blanks and unknown languages", async () => {
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "first@example.com", password: "0123456789" } });
    const token = login.body.token as string;
    expect(login.body.user.locale).toBe("zh-CN");
    const changed = await call(t, "PATCH", "/api/v1/me", { token, body: { locale: "en", name: "  First Person " } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ locale: "en", name: "First Person", email: "first@example.com" });
    expect((await call(t, "GET", "/api/v1/me", { token })).body.locale).toBe("en");
    for (const body of [{ locale: "fr" }, { name: "   " }, { name: "" }, { email: "x@example.com" }]) {
      expect((await call(t, "PATCH", "/api/v1/me", { token, body })).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("open signup", () => {
  it("lets anyone sign up and reports a duplicate email as email_taken", async () => {
    const open = await createTestApp({ PLINTH_OPEN_SIGNUP: "true" });
    try {
      await signup(open, { email: "x@example.com" });
      await signup(open, { email: "y@example.com" });
      const dup = await call(open, "POST", "/api/v1/auth/signup", { body: { email: "X@EXAMPLE.com", password: "0123456789", name: "X" } });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe("email_taken");
    } finally {
      await open.close();
    }
  });
});
