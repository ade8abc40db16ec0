import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { act, acted, approvalNode, createFlow, eventsOf, lastNode, nodesOf, pendingTaskOf, read, started, team, type Team } from "./testkit.js";

// Changes over an instance's life: APPROVALS.md cases 5, 9, 10, 12 and 13.

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

describe("snapshots and reassignment (case 5)", () => {
  it("case 5: an approver leaves mid-flow: the node keeps its snapshot and an admin reassigns the task", async () => {
    const leaver = await addMember(t, org.orgId, org.owner, "member");
    const key = await flow({ nodes: [approvalNode("sign", "all", [m[0]!.id, leaver.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    const removed = await call(t, "DELETE", `/api/v1/orgs/${org.orgId}/members/${leaver.id}`, { token: org.owner.token });
    expect(removed.status).toBe(204);

    const snap = await read(t, m[5]!, i.id);
    expect(lastNode(snap, "sign").tasks.map((x) => [x.assigneeId, x.status])).toEqual([[m[0]!.id, "pending"], [leaver.id, "pending"]]);
    expect(lastNode(snap, "sign").required).toBe(2);
    expect((await acted(t, m[0]!, i.id, { action: "approve" })).status).toBe("running"); // still waits for the snapshot
    expect((await act(t, leaver, i.id, { action: "approve" })).status).toBe(404); // no longer in the org

    const leftTask = pendingTaskOf(snap, leaver.id)!;
    const byMember = await act(t, m[1]!, i.id, { action: "reassign", taskId: leftTask, toUserId: m[2]!.id });
    expect(byMember.status).toBe(403);
    const toSame = await act(t, org.owner, i.id, { action: "reassign", taskId: leftTask, toUserId: leaver.id });
    expect(toSame.status).toBe(400); // already the assignee
    const toNonMember = await act(t, org.owner, i.id, { action: "reassign", taskId: leftTask, toUserId: (await orgWithOwner(t)).owner.id });
    expect(toNonMember.status).toBe(422);
    const moved = await acted(t, org.owner, i.id, { action: "reassign", taskId: leftTask, toUserId: m[2]!.id, comment: "离职交接" });
    const tasks = lastNode(moved, "sign").tasks;
    expect(tasks.find((x) => x.id === leftTask)!.status).toBe("transferred");
    expect(tasks.find((x) => x.assigneeId === m[2]!.id)).toMatchObject({ status: "pending", origin: "reassign" });
    const inbox = await call(t, "GET", "/api/v1/me/approvals?box=pending", { token: m[2]!.token });
    expect(inbox.body.items.map((x: { id: string }) => x.id)).toContain(i.id);
    expect((await acted(t, m[2]!, i.id, { action: "approve" })).status).toBe("approved");
  });

  it("keeps the resolved manager when the reporting line changes after activation", async () => {
    const [worker, oldBoss, newBoss] = [m[3]!, m[4]!, m[1]!];
    await call(t, "PATCH", `/api/v1/orgs/${org.orgId}/members/${worker.id}`, { token: org.owner.token, body: { managerId: oldBoss.id } });
    const key = await flow({ nodes: [{ id: "boss", type: "approval", mode: "any", approvers: [{ type: "manager", level: 1 }] }] });
    const i = await started(t, worker, org.orgId, { flowKey: key });
    await call(t, "PATCH", `/api/v1/orgs/${org.orgId}/members/${worker.id}`, { token: org.owner.token, body: { managerId: newBoss.id } });
    expect(lastNode(await read(t, worker, i.id), "boss").tasks.map((x) => x.assigneeId)).toEqual([oldBoss.id]);
    expect((await act(t, newBoss, i.id, { action: "approve" })).status).toBe(403);
    expect((await acted(t, oldBoss, i.id, { action: "approve" })).status).toBe("approved");
  });
});

describe("versions (case 9)", () => {
  it("case 9: instances started before a definition change finish on their own version", async () => {
    const key = await flow({ nodes: [approvalNode("n1", "any", [m[0]!.id]), approvalNode("n2", "any", [m[1]!.id])] });
    const old = await started(t, m[5]!, org.orgId, { flowKey: key });
    const put = await call(t, "PUT", `/api/v1/orgs/${org.orgId}/approval-flows/${key}`, {
      token: org.owner.token,
      body: { name: "v2", nodes: [approvalNode("x", "all", [m[2]!.id, m[3]!.id])] },
    });
    expect(put.status).toBe(200);
    const fresh = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect([old.flowVersion, fresh.flowVersion]).toEqual([1, 2]);
    expect(fresh.nodes.map((n) => n.id)).toEqual(["x"]);

    const mid = await acted(t, m[0]!, old.id, { action: "approve" });
    expect(mid.nodes.map((n) => n.id)).toEqual(["n1", "n2"]); // v1's second node, although v2 has no such node
    expect((await acted(t, m[1]!, old.id, { action: "approve" })).status).toBe("approved");
    await acted(t, m[2]!, fresh.id, { action: "approve" });
    expect((await acted(t, m[3]!, fresh.id, { action: "approve" })).status).toBe("approved");
  });
});

describe("return and resubmit (case 10)", () => {
  it("case 10: return to start, then resubmit: earlier approvals stop counting and the timeline keeps both attempts", async () => {
    const key = await flow({ settings: { dedupe: "once" }, nodes: [approvalNode("n1", "any", [m[0]!.id]), approvalNode("n2", "any", [m[1]!.id]), approvalNode("n3", "any", [m[0]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key, form: { amount: 1 } });
    await acted(t, m[0]!, i.id, { action: "approve" });
    const returned = await acted(t, m[1]!, i.id, { action: "return", comment: "补充材料" });
    expect(returned.status).toBe("returned");
    expect(lastNode(returned, "n2")).toMatchObject({ status: "canceled" });
    expect((await act(t, m[1]!, i.id, { action: "approve" })).status).toBe(409);
    expect((await act(t, m[0]!, i.id, { action: "resubmit" })).status).toBe(403);

    const again = await acted(t, m[5]!, i.id, { action: "resubmit", form: { amount: 2 } });
    expect(again).toMatchObject({ status: "running", attempt: 2 });
    // dedupe "once" would auto-approve m0 if attempt 1 still counted: it does not.
    expect(lastNode(again, "n1").tasks[0]!.status).toBe("pending");
    await acted(t, m[0]!, i.id, { action: "approve" });
    await acted(t, m[1]!, i.id, { action: "approve" });
    const done = await read(t, m[5]!, i.id);
    expect(done.status).toBe("approved");
    // n3 repeats m0, who approved in this attempt: auto-approved under "once".
    expect(lastNode(done, "n3").tasks[0]!.autoReason).toBe("dedupe_once");
    expect(new Set(done.timeline.map((e) => e.attempt))).toEqual(new Set([1, 2]));
    expect(done.nodes.filter((n) => n.attempt === 1).map((n) => [n.id, n.status])).toEqual([["n1", "approved"], ["n2", "canceled"]]);
    expect(eventsOf(done, "task.approved").filter((e) => e.attempt === 1)).toHaveLength(1);
    expect((await act(t, m[5]!, i.id, { action: "resubmit" })).status).toBe(409);
  });

  it("returns to an approved node: later approvals are invalidated and the flow runs again from there", async () => {
    const key = await flow({ settings: { dedupe: "once" }, nodes: ["n1", "n2", "n3"].map((id, k) => approvalNode(id, "any", [m[k]!.id])) });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    await acted(t, m[0]!, i.id, { action: "approve" });
    const atN3 = await acted(t, m[1]!, i.id, { action: "approve" });
    const bad = await act(t, m[2]!, i.id, { action: "return", toNodeId: "n3" });
    expect(bad.status).toBe(400);
    expect((await act(t, m[2]!, i.id, { action: "return", toNodeId: "nope" })).status).toBe(400);
    const back = await acted(t, m[2]!, i.id, { action: "return", toNodeId: "n1" });
    expect(back.status).toBe("running");
    expect(back.nodes.map((n) => [n.id, n.status, n.invalidated])).toEqual([
      ["n1", "approved", true],
      ["n2", "approved", true],
      ["n3", "canceled", true],
      ["n1", "active", false],
    ]);
    expect(atN3.attempt).toBe(back.attempt);
    await acted(t, m[0]!, i.id, { action: "approve" });
    await acted(t, m[1]!, i.id, { action: "approve" });
    expect((await acted(t, m[2]!, i.id, { action: "approve" })).status).toBe("approved");
  });

  it("with onReject return_to_initiator a rejection returns the instance for resubmission; withdraw ends it", async () => {
    const key = await flow({ settings: { onReject: "return_to_initiator" }, nodes: [approvalNode("n", "any", [m[0]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect((await acted(t, m[0]!, i.id, { action: "reject", comment: "金额不对" })).status).toBe("returned");
    const again = await acted(t, m[5]!, i.id, { action: "resubmit", form: { amount: 3 } });
    expect(again.attempt).toBe(2);
    expect((await acted(t, m[0]!, i.id, { action: "reject" })).status).toBe("returned");
    expect((await act(t, m[0]!, i.id, { action: "withdraw" })).status).toBe(403);
    expect((await acted(t, m[5]!, i.id, { action: "withdraw" })).status).toBe("withdrawn");
    expect((await act(t, m[5]!, i.id, { action: "withdraw" })).status).toBe(409);
  });
});

describe("transfer (case 12)", () => {
  it("case 12: transfer to someone already on the node is refused; to anyone else the task moves", async () => {
    const key = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    const onNode = await act(t, m[0]!, i.id, { action: "transfer", toUserId: m[1]!.id });
    expect(onNode.status).toBe(422);
    expect(onNode.body.errors[0].path).toBe("body.toUserId");
    const outsider = (await orgWithOwner(t)).owner;
    const notMember = await act(t, m[0]!, i.id, { action: "transfer", toUserId: outsider.id });
    expect(notMember.status).toBe(422);
    expect(notMember.body.code).toBe("not_org_member");
    expect((await act(t, m[0]!, i.id, { action: "transfer" })).status).toBe(400);

    const moved = await acted(t, m[0]!, i.id, { action: "transfer", toUserId: m[2]!.id, comment: "请代审" });
    const statuses = new Map(lastNode(moved, "n").tasks.map((x) => [x.assigneeId, x.status]));
    expect(statuses).toEqual(new Map([[m[0]!.id, "transferred"], [m[2]!.id, "pending"], [m[1]!.id, "pending"]]));
    expect((await act(t, m[0]!, i.id, { action: "approve" })).status).toBe(409);
    expect((await act(t, m[2]!, i.id, { action: "transfer", toUserId: m[1]!.id })).status).toBe(422);
    // The old assignee no longer holds a live task, so the task may come back to them.
    await acted(t, m[2]!, i.id, { action: "transfer", toUserId: m[0]!.id });
    await acted(t, m[1]!, i.id, { action: "approve" });
    expect((await acted(t, m[0]!, i.id, { action: "approve" })).status).toBe("approved");

    const autoSelf = await flow({ settings: { selfApproval: "auto_pass" }, nodes: [approvalNode("n", "any", [m[0]!.id])] });
    const j = await started(t, m[5]!, org.orgId, { flowKey: autoSelf });
    const toInitiator = await act(t, m[0]!, j.id, { action: "transfer", toUserId: m[5]!.id });
    expect(toInitiator.status).toBe(422);
  });
});

describe("add_signer (case 13)", () => {
  it("case 13: add_signer before, then the added signer rejects: the node is rejected", async () => {
    const key = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id]), approvalNode("next", "any", [m[2]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    const added = await acted(t, m[0]!, i.id, { action: "add_signer", position: "before", userIds: [m[3]!.id] });
    const tasks = lastNode(added, "n").tasks;
    expect(tasks.find((x) => x.assigneeId === m[0]!.id)!.status).toBe("waiting");
    expect(tasks.find((x) => x.assigneeId === m[3]!.id)).toMatchObject({ status: "pending", origin: "add_before" });
    expect(lastNode(added, "n").required).toBe(2); // before-signers do not join the N
    expect((await act(t, m[0]!, i.id, { action: "approve" })).status).toBe(409);
    const rejected = await acted(t, m[3]!, i.id, { action: "reject", comment: "不同意" });
    expect(rejected.status).toBe("rejected");
    expect(lastNode(rejected, "n").status).toBe("rejected");
    expect(lastNode(rejected, "n").tasks.find((x) => x.assigneeId === m[0]!.id)!.status).toBe("rejected");
    expect(nodesOf(rejected, "next")).toEqual([]);
  });

  it("add_signer before then approval hands the task back; after adds a step; parallel grows the node", async () => {
    const key = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id]), approvalNode("next", "any", [m[2]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    await acted(t, m[0]!, i.id, { action: "add_signer", position: "before", userIds: [m[3]!.id] });
    const back = await acted(t, m[3]!, i.id, { action: "approve" });
    expect(lastNode(back, "n").tasks.find((x) => x.assigneeId === m[0]!.id)!.status).toBe("pending");
    const grown = await acted(t, m[1]!, i.id, { action: "add_signer", position: "parallel", userIds: [m[4]!.id] });
    expect(lastNode(grown, "n").required).toBe(3);
    const dup = await act(t, m[1]!, i.id, { action: "add_signer", position: "parallel", userIds: [m[4]!.id] });
    expect(dup.status).toBe(422);
    const after = await acted(t, m[0]!, i.id, { action: "add_signer", position: "after", userIds: [m[3]!.id], comment: "请财务复核" });
    expect(lastNode(after, "n").tasks.find((x) => x.assigneeId === m[0]!.id)!.status).toBe("approved");
    expect(after.nodes.find((n) => n.id === "n:after1")).toMatchObject({ status: "pending" });
    await acted(t, m[1]!, i.id, { action: "approve" });
    const step = await acted(t, m[4]!, i.id, { action: "approve" });
    expect(lastNode(step, "n").status).toBe("approved");
    expect(lastNode(step, "n:after1").status).toBe("active");
    expect(nodesOf(step, "next")).toEqual([]);
    const next = await acted(t, m[3]!, i.id, { action: "approve" });
    expect(lastNode(next, "next").status).toBe("active");
    expect((await acted(t, m[2]!, i.id, { action: "approve" })).status).toBe("approved");
  });
});
