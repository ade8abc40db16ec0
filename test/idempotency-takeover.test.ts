import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./app.js";
import { call } from "./http.js";
import { signup, type TestUser } from "./factories.js";

// A node that dies while serving an idempotent request leaves its claim behind. A retry on
// another node runs the request if nothing committed, and never runs it twice if it did.

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  user = await signup(t);
});
afterAll(async () => t.close());

const hashOf = (url: string, body: unknown) => createHash("sha256").update(`POST ${url}\n${JSON.stringify(body)}`).digest("hex");

/** The claim a crashed node leaves: in flight, held by a node that no longer beats. */
async function orphanClaim(key: string, body: unknown, opts: { effectCommitted: boolean; holder?: string }) {
  await t.platform.db.query(
    "insert into idempotency_keys (scope, key, request_hash, state, holder, effect_committed) values ($1, $2, $3, 'in_flight', $4, $5)",
    [`user:${user.id}`, key, hashOf("/api/v1/orgs", body), opts.holder ?? "crashed-node", opts.effectCommitted],
  );
}

const orgCount = async () => (await call(t, "GET", "/api/v1/orgs", { token: user.token })).body.items.length as number;

describe("Idempotency-Key after a node crash", () => {
  it("lets a retry run the request when the crashed node committed nothing, then replays it", async () => {
    const body = { name: "Takeover", slug: "takeover-one" };
    await orphanClaim("crash-1", body, { effectCommitted: false });
    const before = await orgCount();
    const retry = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "crash-1" }, body });
    expect(retry.status).toBe(201);
    const again = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "crash-1" }, body });
    expect(again.status).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(await orgCount()).toBe(before + 1);
  });

  it("never re-runs a request whose write committed before the node died", async () => {
    const body = { name: "Committed", slug: "takeover-two" };
    await orphanClaim("crash-2", body, { effectCommitted: true });
    const before = await orgCount();
    const retry = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "crash-2" }, body });
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe("idempotency_applied");
    expect(retry.body.detail).toMatch(/applied/);
    expect(await orgCount()).toBe(before);
  });

  it("does not take over the claim of a live node (a slow request)", async () => {
    const body = { name: "Slow", slug: "takeover-three" };
    await orphanClaim("slow-1", body, { effectCommitted: false, holder: t.platform.nodeId });
    const retry = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "slow-1" }, body });
    expect(retry.status).toBe(409);
    expect(retry.body.detail).toMatch(/in progress/);
  });

  it("marks the claim applied in the same transaction as the write", async () => {
    const body = { name: "Marked", slug: "takeover-four" };
    const res = await call(t, "POST", "/api/v1/orgs", { token: user.token, headers: { "idempotency-key": "mark-1" }, body });
    expect(res.status).toBe(201);
    const { rows } = await t.platform.db.query<{ effect_committed: boolean; holder: string }>(
      "select effect_committed, holder from idempotency_keys where key = 'mark-1'",
    );
    expect(rows[0]).toEqual({ effect_committed: true, holder: t.platform.nodeId });
  });
});
