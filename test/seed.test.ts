import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../src/seed/demo.js";
import { createTestApp, type TestApp } from "./app.js";
import { call } from "./http.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ PLINTH_OPEN_SIGNUP: "false" });
});
afterAll(async () => t.close());

describe("seed-demo", () => {
  it("creates a demo org a new user can sign in to and browse, in Chinese and English, once", async () => {
    const summary = await seedDemo(t);
    expect(summary).toContain("3 projects");
    const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: "wang.fang@demo.plinth.local", password: "plinth-demo-2026" } });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    const me = await call(t, "GET", "/api/v1/me", { token });
    const org = me.body.orgs[0];
    expect(org.name).toContain("星河科技");
    const projects = await call(t, "GET", `/api/v1/orgs/${org.id}/projects`, { token });
    expect(projects.body.items.map((p: { key: string }) => p.key).sort()).toEqual(["APP", "OPS", "WEB"]);
    const app = projects.body.items.find((p: { key: string }) => p.key === "APP");
    const found = await call(t, "GET", `/api/v1/projects/${app.id}/tasks?q=${encodeURIComponent("审批")}`, { token });
    expect(found.body.items.length).toBeGreaterThan(0);
    const english = await call(t, "GET", `/api/v1/projects/${app.id}/tasks?q=dark`, { token });
    expect(english.body.items.map((x: { title: string }) => x.title)).toEqual(["Dark mode"]);
    const mine = await call(t, "GET", "/api/v1/me/tasks?status=open", { token });
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(await seedDemo(t)).toContain("nothing done");
  });
});
