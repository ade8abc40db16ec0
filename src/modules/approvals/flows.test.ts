import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { approvalNode, flowKey } from "./testkit.js";

let t: TestApp;
let owner: TestUser;
let member: TestUser;
let orgId: string;
beforeAll(async () => {
  t = await createTestApp();
  const o = await orgWithOwner(t);
  owner = o.owner;
  orgId = o.org.id;
  member = await addMember(t, orgId, owner, "member");
});
afterAll(async () => t.close());

const post = (user: TestUser, body: unknown) => call(t, "POST", `/api/v1/orgs/${orgId}/approval-flows`, { token: user.token, body });
const simple = (key: string) => ({ key, name: "Sign-off", nodes: [approvalNode("lead", "any", [member.id])] });

describe("approval flow definitions", () => {
  it("creates version 1 with default settings, and PUT saves immutable next versions", async () => {
    const key = flowKey();
    const created = await post(owner, simple(key));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key, version: 1, latestVersion: 1, archived: false, settings: { dedupe: "none", selfApproval: "self", emptyApprovers: "admin", onReject: "terminate" } });
    const put = await call(t, "PUT", `/api/v1/orgs/${orgId}/approval-flows/${key}`, { token: owner.token, body: { name: "Sign-off v2", nodes: [approvalNode("lead", "all", [member.id, owner.id])] } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, name: "Sign-off v2" });
    const latest = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows/${key}`, { token: member.token });
    expect(latest.body).toMatchObject({ version: 2, latestVersion: 2 });
    const v1 = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows/${key}?version=1`, { token: member.token });
    expect(v1.body).toMatchObject({ version: 1, name: "Sign-off", latestVersion: 2 });
    expect(v1.body.nodes[0].mode).toBe("any");
    const missing = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows/${key}?version=9`, { token: member.token });
    expect(missing.status).toBe(404);
  });

  it("refuses a duplicate key with 409 and non-admins with 403", async () => {
    const key = flowKey();
    expect((await post(owner, simple(key))).status).toBe(201);
    const dup = await post(owner, simple(key));
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("flow_key_taken");
    const byMember = await post(member, simple(flowKey()));
    expect(byMember.status).toBe(403);
  });

  it("hides flows of another org behind 404", async () => {
    const stranger = await orgWithOwner(t);
    const res = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows`, { token: stranger.owner.token });
    expect(res.status).toBe(404);
    const create = await post(stranger.owner, simple(flowKey()));
    expect(create.status).toBe(404);
  });

  it.each([
    ["a duplicate node id", [approvalNode("a", "any", []), approvalNode("a", "any", [])], "body.nodes.a.id"],
    ["a next that does not exist", [{ ...approvalNode("a", "any", []), next: "nowhere" }], "body.nodes.a.next"],
    ["a branch without default", [{ id: "pick", type: "branch", branches: [{ when: { field: "x", op: "eq", value: 1 }, next: "end" }] }], "body.nodes.pick.default"],
    ["a branch target that does not exist", [{ id: "pick", type: "branch", branches: [{ when: { field: "x", op: "eq", value: 1 }, next: "ghost" }], default: "end" }], "body.nodes.pick.branches.0.next"],
    ["an approval node without approvers", [{ id: "empty", type: "approval", mode: "any", approvers: [] }], "body.nodes.empty.approvers"],
    ["a threshold out of range", [{ id: "vote", type: "approval", mode: "threshold", threshold: { percent: 120 }, approvers: [{ type: "role", role: "member" }] }], "body.nodes.vote.threshold.percent"],
    ["a threshold with both count and percent", [{ id: "vote", type: "approval", mode: "threshold", threshold: { percent: 50, count: 2 }, approvers: [{ type: "role", role: "member" }] }], "body.nodes.vote.threshold"],
    ["a threshold node without threshold", [{ id: "vote", type: "approval", mode: "threshold", approvers: [{ type: "role", role: "member" }] }], "body.nodes.vote.threshold"],
    ["a zero-hour timeout", [{ id: "t", type: "approval", mode: "any", approvers: [{ type: "role", role: "member" }], timeout: { hours: 0, action: "remind" } }], "body.nodes.t.timeout.hours"],
    ["a manager level of 0", [{ id: "m", type: "approval", mode: "any", approvers: [{ type: "manager", level: 0 }] }], "body.nodes.m.approvers.0.level"],
    [
      "a cycle",
      [
        { id: "a", type: "approval", mode: "any", approvers: [{ type: "role", role: "owner" }], next: "b" },
        { id: "b", type: "approval", mode: "any", approvers: [{ type: "role", role: "owner" }], next: "a" },
      ],
      "body.nodes.a",
    ],
    ["a node named end", [approvalNode("end", "any", ["00000000-0000-4000-8000-000000000000"])], "body.nodes.end.id"],
  ])("refuses %s with 422 naming the node", async (_what, nodes, path) => {
    const res = await post(owner, { key: flowKey(), name: "Bad", nodes });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.code).toBe("invalid_flow");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("refuses a user rule naming a non-member with 422", async () => {
    const outsider = (await orgWithOwner(t)).owner;
    const res = await post(owner, { key: flowKey(), name: "Bad", nodes: [approvalNode("lead", "any", [outsider.id])] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe("body.nodes.lead.approvers.0.userId");
  });

  it("answers 400 for malformed definitions", async () => {
    for (const body of [
      { key: flowKey(), name: "x", nodes: [] },
      { key: "bad key", name: "x", nodes: [approvalNode("a", "any", [member.id])] },
      { key: flowKey(), name: "x", nodes: [{ id: "a", type: "approval", mode: "sometimes", approvers: [] }] },
      { key: flowKey(), name: "x", nodes: [{ ...approvalNode("a", "any", [member.id]), extra: true }] },
      { key: flowKey(), name: "x", nodes: [approvalNode("a", "any", [member.id])], settings: { dedupe: "twice" } },
    ]) {
      const res = await post(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("lists latest versions by key, archives (no new instances) and restores", async () => {
    const key = `zz-${flowKey()}`;
    await post(owner, simple(key));
    const archived = await call(t, "POST", `/api/v1/orgs/${orgId}/approval-flows/${key}/archive`, { token: owner.token });
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    const start = await call(t, "POST", `/api/v1/orgs/${orgId}/approvals`, { token: member.token, body: { flowKey: key, title: "x" } });
    expect(start.status).toBe(409);
    expect(start.body.code).toBe("flow_archived");
    const put = await call(t, "PUT", `/api/v1/orgs/${orgId}/approval-flows/${key}`, { token: owner.token, body: { name: "x", nodes: simple(key).nodes } });
    expect(put.status).toBe(409);
    const active = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows?limit=200`, { token: member.token });
    expect(active.body.items.map((f: { key: string }) => f.key)).not.toContain(key);
    const listed = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows?archived=true`, { token: member.token });
    expect(listed.body.items.map((f: { key: string }) => f.key)).toContain(key);
    const restored = await call(t, "POST", `/api/v1/orgs/${orgId}/approval-flows/${key}/restore`, { token: owner.token });
    expect(restored.body.archived).toBe(false);
    const page1 = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows?limit=1`, { token: member.token });
    expect(page1.body.items).toHaveLength(1);
    const page2 = await call(t, "GET", `/api/v1/orgs/${orgId}/approval-flows?limit=1&cursor=${page1.body.nextCursor}`, { token: member.token });
    expect(page2.body.items[0].key > page1.body.items[0].key).toBe(true);
  });
});
