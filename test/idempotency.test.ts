import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./app.js";
import { call } from "./http.js";
import { signup, type TestUser } from "./factories.js";

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await signup(t);
});
afterAll(async () => t.close());

const myOrgCount = async () => (await call(t, "GET", "/api/v1/orgs", { token: user.token })).body.items.length as number;

describe("Idempotency-Key on POST", () => {
  it("replays the first response for the same key and body, with no second effect", async () => {
    const before = await myOrgCount();
    const body = { name: "幂等", slug: "idem-one" };
    const first = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-1" }, body });
    const second = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-1" }, body });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(await myOrgCount()).toBe(before + 1);
  });

  it("answers 422 idempotency_key_reused when the body differs", async () => {
    await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-2" }, body: { name: "A", slug: "idem-two" } });
    const reused = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-2" }, body: { name: "B", slug: "idem-three" } });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe("idempotency_key_reused");
  });

  it("replays a 4xx answer too, and scopes keys per user", async () => {
    const body = { name: "dup", slug: "idem-two" };
    const a = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-3" }, body });
    expect(a.status).toBe(409);
    const b = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "k-3" }, body });
    expect(b.status).toBe(409);
    expect(b.headers["idempotent-replayed"]).toBe("true");
    const other = await signup(t);
    const c = await call(t, "POST", "/api/v1/orgs", { token: other.token, headers: { "idempotency-key": "k-3" }, body: { name: "mine", slug: "idem-other" } });
    expect(c.status).toBe(201);
  });

  it("has exactly one effect when concurrent duplicates race", async () => {
    for (let round = 0; round < 10; round++) {
      const before = await myOrgCount();
      const body = { name: `race ${round}`, slug: `idem-race-${round}` };
      const results = await Promise.all(
        Array.from({ length: 8 }, () => call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": `race-${round}` }, body })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 409), statuses.join(",")).toBe(true);
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const r of created) expect(r.body.id).toBe(created[0]!.body.id);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe("idempotency_in_flight");
      expect(await myOrgCount()).toBe(before + 1);
    }
  });

  it("refuses an over-long key with 400", async () => {
    const res = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "x".repeat(256) }, body: { name: "n", slug: "idem-long" } });
    expect(res.status).toBe(400);
  });
});
