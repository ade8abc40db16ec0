import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { act, acted, approvalNode, createFlow, start, started, team, type Team } from "./testkit.js";

// My approval boxes, urge, who may see what, bad input, the report and metrics.

let t: TestApp;
let org: Team;
let m: TestUser[];
let key: string;
beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 4);
  m = org.members;
  key = await createFlow(t, org.owner, org.orgId, { nodes: [{ id: "fyi", type: "cc", approvers: [{ type: "user", userId: m[2]!.id }] }, approvalNode("n", "any", [m[0]!.id, m[1]!.id])] });
});
afterAll(async () => t.close());

const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let n = 0; n < levels; n++) v = [v];
  return v;
};

const box = async (u: TestUser, name: string, query = "") => {
  const res = await call(t, "GET", `/api/v1/me/approvals?box=${name}${query}`, { token: u.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { items: { id: string; status: string; task: { id: string; status: string; nodeId: string } | null }[]; nextCursor: string | null };
};

describe("my approvals", () => {
  it("lists pending, initiated, cc and done with keyset pagination", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await started(t, m[3]!, org.orgId, { flowKey: key, title: `报销 ${n}` })).id);
    const pending = await box(m[0]!, "pending");
    expect(pending.items.map((x) => x.id)).toEqual([...ids].reverse());
    expect(pending.items[0]!.task).toMatchObject({ status: "pending", nodeId: "n" });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await box(m[3]!, "initiated", `&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await box(m[2]!, "cc")).items.map((x) => x.id)).toEqual([...ids].reverse());

    await acted(t, m[0]!, ids[0]!, { action: "approve" });
    await acted(t, m[1]!, ids[1]!, { action: "reject" });
    expect((await box(m[0]!, "done")).items.map((x) => [x.id, x.task?.status])).toEqual([[ids[0], "approved"]]);
    expect((await box(m[0]!, "pending")).items.map((x) => x.id)).toEqual(ids.slice(2).reverse());
    expect((await box(m[1]!, "done")).items.map((x) => x.status)).toEqual(["rejected"]);
    expect((await box(m[0]!, "pending", `&orgId=${org.orgId}`)).items).toHaveLength(3);

    const bad = await call(t, "GET", "/api/v1/me/approvals?box=pending&cursor=bm90LWEtY3Vyc29y", { token: m[0]!.token });
    expect(bad.status).toBe(400);
    const forged = Buffer.from(JSON.stringify(["not a date", "x"])).toString("base64url");
    expect((await call(t, "GET", `/api/v1/me/approvals?cursor=${forged}`, { token: m[0]!.token })).status).toBe(400);
    expect((await call(t, "GET", "/api/v1/me/approvals?box=outbox", { token: m[0]!.token })).status).toBe(400);
  });
});

describe("urge and comments", () => {
  it("lets the initiator urge once per hour per node (429 with Retry-After otherwise)", async () => {
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    expect((await act(t, m[0]!, i.id, { action: "urge" })).status).toBe(403);
    const first = await acted(t, m[3]!, i.id, { action: "urge" });
    expect(first.timeline.at(-1)).toMatchObject({ type: "urged", data: { userIds: [m[0]!.id, m[1]!.id] } });
    const again = await act(t, m[3]!, i.id, { action: "urge" });
    expect(again.status).toBe(429);
    expect(Number(again.headers["retry-after"])).toBeGreaterThan(3500);
    t.services.approvals.useClock(() => new Date(Date.now() + 3_601_000));
    try {
      expect((await act(t, m[3]!, i.id, { action: "urge" })).status).toBe(200);
    } finally {
      t.services.approvals.useClock(() => new Date());
    }
    await acted(t, m[0]!, i.id, { action: "approve" });
    expect((await act(t, m[3]!, i.id, { action: "urge" })).status).toBe(409);
  });

  it("lets anyone who can see the instance comment; others in the org get 403, other orgs 404", async () => {
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    expect((await act(t, m[2]!, i.id, { action: "comment", comment: "已阅" })).status).toBe(200); // cc
    expect((await act(t, org.owner, i.id, { action: "comment", comment: "admin note" })).status).toBe(200);
    const blank = await act(t, m[3]!, i.id, { action: "comment", comment: "   " });
    expect(blank.status).toBe(400);
    const outsider = await orgWithOwner(t);
    expect((await act(t, outsider.owner, i.id, { action: "comment", comment: "hi" })).status).toBe(404);
    expect((await act(t, outsider.owner, i.id, { action: "approve" })).status).toBe(404);
    expect((await call(t, "GET", `/api/v1/approvals/${i.id}`, { token: outsider.owner.token })).status).toBe(404);
    const stranger = (await team(t, 0)).owner;
    expect((await call(t, "GET", `/api/v1/approvals/${i.id}`, { token: stranger.token })).status).toBe(404);
  });
});

describe("bad input", () => {
  it("answers 4xx, never 5xx", async () => {
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    const cases: [string, string, unknown, number, TestUser?][] = [
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: "no-such-flow", title: "x" }, 404],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "" }, 400],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "x", form: [] }, 400],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "x", subject: { type: "doc", id: i.id } }, 400],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "x", pickedApprovers: { n: ["nope"] } }, 400],
      ["POST", `/api/v1/approvals/${i.id}/actions`, { action: "dance" }, 400],
      ["POST", `/api/v1/approvals/${i.id}/actions`, { action: "approve", taskId: "00000000-0000-4000-8000-000000000000" }, 404],
      ["POST", `/api/v1/approvals/${i.id}/actions`, { action: "add_signer", userIds: [m[1]!.id] }, 400],
      ["POST", `/api/v1/approvals/${i.id}/actions`, { action: "approve", extra: 1 }, 400],
      ["POST", "/api/v1/approvals/not-a-uuid/actions", { action: "approve" }, 400],
      ["POST", "/api/v1/approvals/00000000-0000-4000-8000-000000000000/actions", { action: "approve" }, 404],
      ["GET", "/api/v1/approvals/00000000-0000-4000-8000-000000000000", undefined, 404],
      ["GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=yesterday&to=today`, undefined, 400, org.owner],
      ["GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=0000-01-01&to=2020-01-01`, undefined, 400, org.owner],
      ["GET", `/api/v1/orgs/${org.orgId}/approval-flows/${key}?version=99999999999`, undefined, 400],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "deep", form: { a: deep(40) } }, 400],
      ["POST", `/api/v1/orgs/${org.orgId}/approvals`, { flowKey: key, title: "big", form: { a: "x".repeat(70_000) } }, 400],
      ["PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { delegateId: m[0]!.id, startsAt: "0000-01-01T00:00:00Z", endsAt: "2030-01-01T00:00:00Z" }, 400],
    ];
    for (const [method, url, body, status, who] of cases) {
      const res = await call(t, method as "GET" | "POST" | "PUT", url, { token: (who ?? m[3]!).token, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${url} ${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`).toBe(status);
    }
  });
});

describe("report and metrics", () => {
  it("reports count, outcomes and p50/p90 turnaround per flow, for admins", async () => {
    t.services.approvals.registerMetrics(t.metrics.registry);
    const other = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "any", [m[0]!.id])] });
    const a = await started(t, m[3]!, org.orgId, { flowKey: other });
    await acted(t, m[0]!, a.id, { action: "approve" });
    const b = await started(t, m[3]!, org.orgId, { flowKey: other });
    await acted(t, m[0]!, b.id, { action: "reject" });
    await started(t, m[3]!, org.orgId, { flowKey: other });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const res = await call(t, "GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=${from}&to=${to}`, { token: org.owner.token });
    expect(res.status).toBe(200);
    const row = res.body.flows.find((f: { flowKey: string }) => f.flowKey === other);
    expect(row).toMatchObject({ started: 3, approved: 1, rejected: 1, withdrawn: 0, running: 1 });
    expect(row.p50Seconds).toBeGreaterThanOrEqual(0);
    expect(row.p90Seconds).toBeGreaterThanOrEqual(row.p50Seconds);
    const day = await call(t, "GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=2000-01-01&to=2000-01-02`, { token: org.owner.token });
    expect(day.body.flows).toEqual([]);
    expect((await call(t, "GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=${from}&to=${to}`, { token: m[0]!.token })).status).toBe(403);
    expect((await call(t, "GET", `/api/v1/orgs/${org.orgId}/reports/approvals?from=${to}&to=${from}`, { token: org.owner.token })).status).toBe(400);

    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/plinth_approvals_finished_total\{outcome="approved"\} [1-9]/);
    expect(text).toMatch(/plinth_approvals_finished_total\{outcome="rejected"\} [1-9]/);
    expect(text).toMatch(/plinth_approval_turnaround_seconds_count\{outcome="approved"\} [1-9]/);
    expect(text).toMatch(/plinth_approval_decision_seconds_count\{outcome="approved"\} [1-9]/);
  });
});

describe("guests", () => {
  it("may read flows but not start approvals", async () => {
    const guest = await addMember(t, org.orgId, org.owner, "guest");
    expect((await call(t, "GET", `/api/v1/orgs/${org.orgId}/approval-flows/${key}`, { token: guest.token })).status).toBe(200);
    const res = await start(t, guest, org.orgId, { flowKey: key });
    expect(res.status).toBe(403);
  });
});
