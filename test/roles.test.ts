import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./app.js";
import { call } from "./http.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ PLINTH_ROLES: "worker,cron" });
});
afterAll(async () => t.close());

describe("process roles", () => {
  it("serves no API on a node without the api role, but still answers health and metrics", async () => {
    expect(t.config.roles).toEqual(["worker", "cron"]);
    expect((await call(t, "GET", "/healthz")).status).toBe(200);
    expect((await call(t, "GET", "/readyz")).status).toBe(200);
    expect((await call(t, "GET", "/metrics")).status).toBe(200);
    const api = await call(t, "POST", "/api/v1/auth/signup", { body: { email: "a@example.com", password: "0123456789", name: "A" } });
    expect(api.status).toBe(404);
  });
});
