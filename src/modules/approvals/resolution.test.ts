import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { act, acted, approvalNode, createFlow, lastNode, start, started, team, type Team } from "./testkit.js";

// Approver rules and delegation, through HTTP against the org directory.

let t: TestApp;
let org: Team;
let m: TestUser[];
beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 6);
  m = org.members;
});
afterAll(async () => t.close());

const flow = (def: Record<string, unknown>) => createFlow(t, org.owner, org.orgId, def);
const setMember = async (u: TestUser, body: Record<string, unknown>) => {
  const res = await call(t, "PATCH", `/api/v1/orgs/${org.orgId}/members/${u.id}`, { token: org.owner.token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const assignees = (key: string, node: string, by: TestUser, extra: Record<string, unknown> = {}) =>
  started(t, by, org.orgId, { flowKey: key, ...extra }).then((i) => lastNode(i, node).tasks.map((x) => x.assigneeId));

describe("approver rules", () => {
  it("manager n levels up stops at the top of the chain", async () => {
    // m0 -> m1 -> m2 (top)
    await setMember(m[0]!, { managerId: m[1]!.id });
    await setMember(m[1]!, { managerId: m[2]!.id });
    const rule = (level: number) => flow({ nodes: [{ id: "boss", type: "approval", mode: "any", approvers: [{ type: "manager", level }] }] });
    expect(await assignees(await rule(1), "boss", m[0]!)).toEqual([m[1]!.id]);
    expect(await assignees(await rule(2), "boss", m[0]!)).toEqual([m[2]!.id]);
    expect(await assignees(await rule(5), "boss", m[0]!)).toEqual([m[2]!.id]);
    const none = await started(t, m[2]!, org.orgId, { flowKey: await rule(1) }); // the top has no manager: admins (default)
    expect(lastNode(none, "boss").tasks.every((x) => x.origin === "admin_fallback")).toBe(true);
  });

  it("department head walks up to the nearest department with a head; role names every member with it", async () => {
    const parent = await call(t, "POST", `/api/v1/orgs/${org.orgId}/departments`, { token: org.owner.token, body: { name: "研发中心", headId: m[4]!.id } });
    const child = await call(t, "POST", `/api/v1/orgs/${org.orgId}/departments`, { token: org.owner.token, body: { name: "后端组", parentId: parent.body.id } });
    await setMember(m[3]!, { departmentId: child.body.id });
    const head = await flow({ nodes: [{ id: "head", type: "approval", mode: "any", approvers: [{ type: "department_head" }] }] });
    expect(await assignees(head, "head", m[3]!)).toEqual([m[4]!.id]);

    const admin = await addMember(t, org.orgId, org.owner, "admin");
    const admins = await flow({ nodes: [{ id: "a", type: "approval", mode: "all", approvers: [{ type: "role", role: "admin" }, { type: "role", role: "owner" }] }] });
    expect(await assignees(admins, "a", m[5]!)).toEqual([admin.id, org.owner.id]);
  });

  it("initiator_pick takes the users picked per node; form_field reads user ids from the form", async () => {
    const key = await flow({
      nodes: [
        { id: "picked", type: "approval", mode: "all", approvers: [{ type: "initiator_pick" }] },
        { id: "named", type: "approval", mode: "any", approvers: [{ type: "form_field", field: "reviewer" }] },
      ],
    });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key, pickedApprovers: { picked: [m[0]!.id, m[1]!.id, m[0]!.id] }, form: { reviewer: m[2]!.id } });
    expect(lastNode(i, "picked").tasks.map((x) => x.assigneeId)).toEqual([m[0]!.id, m[1]!.id]);
    await acted(t, m[0]!, i.id, { action: "approve" });
    const next = await acted(t, m[1]!, i.id, { action: "approve" });
    expect(lastNode(next, "named").tasks.map((x) => x.assigneeId)).toEqual([m[2]!.id]);

    const wrongNode = await start(t, m[5]!, org.orgId, { flowKey: key, pickedApprovers: { named: [m[0]!.id] } });
    expect(wrongNode.status).toBe(422);
    expect(wrongNode.body.errors[0].path).toBe("body.pickedApprovers.named");
    const outsider = (await orgWithOwner(t)).owner;
    const notMember = await start(t, m[5]!, org.orgId, { flowKey: key, pickedApprovers: { picked: [outsider.id] } });
    expect(notMember.status).toBe(422);
  });
});

describe("delegation", () => {
  it("sends new tasks to the delegate during the range, shows onBehalfOf, and never chains", async () => {
    const [away, delegate, third] = [m[0]!, m[1]!, m[2]!];
    const now = Date.now();
    const range = { startsAt: new Date(now - 3_600_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() };
    const put = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: away.token, body: { delegateId: delegate.id, ...range } });
    expect(put.status).toBe(200);
    expect(put.body.delegation).toMatchObject({ delegateId: delegate.id, active: true });
    // The delegate is away too, to a third person: delegation does not chain.
    await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: delegate.token, body: { delegateId: third.id, ...range } });

    const key = await flow({ nodes: [approvalNode("n", "any", [away.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect(lastNode(i, "n").tasks).toEqual([expect.objectContaining({ assigneeId: delegate.id, onBehalfOf: away.id, status: "pending" })]);
    expect((await act(t, away, i.id, { action: "approve" })).status).toBe(403);
    const done = await acted(t, delegate, i.id, { action: "approve", comment: "代批" });
    expect(done.status).toBe("approved");
    // The delegator may still read what was done on their behalf.
    expect((await call(t, "GET", `/api/v1/approvals/${i.id}`, { token: away.token })).status).toBe(200);

    const removed = await call(t, "DELETE", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: away.token });
    expect(removed.status).toBe(204);
    expect((await call(t, "GET", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: away.token })).body).toEqual({ delegation: null });
    const after = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect(lastNode(after, "n").tasks[0]).toMatchObject({ assigneeId: away.id, onBehalfOf: null });
  });

  it("ignores a delegation outside its range and refuses bad ones", async () => {
    const future = { startsAt: new Date(Date.now() + 86_400_000).toISOString(), endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString() };
    const put = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: m[3]!.token, body: { delegateId: m[4]!.id, ...future } });
    expect(put.body.delegation.active).toBe(false);
    const key = await flow({ nodes: [approvalNode("n", "any", [m[3]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect(lastNode(i, "n").tasks[0]!.assigneeId).toBe(m[3]!.id);

    const self = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: m[3]!.token, body: { delegateId: m[3]!.id, ...future } });
    expect(self.status).toBe(400);
    const backwards = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: m[3]!.token, body: { delegateId: m[4]!.id, startsAt: future.endsAt, endsAt: future.startsAt } });
    expect(backwards.status).toBe(400);
    const outsider = (await orgWithOwner(t)).owner;
    const notMember = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/me/approval-delegation`, { token: m[3]!.token, body: { delegateId: outsider.id, ...future } });
    expect(notMember.status).toBe(422);
  });
});
