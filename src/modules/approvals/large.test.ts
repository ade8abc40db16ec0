import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../test/factories.js";
import { act, acted, approvalNode, createFlow, eventsOf, lastNode, pendingTaskOf, read, started } from "./testkit.js";

// A countersign (会签) node with 100 approvers completes exactly once, and only on the 100th approval.

let t: TestApp;
let owner: TestUser;
let orgId: string;
const approvers: TestUser[] = [];
beforeAll(async () => {
  t = await createTestApp();
  const o = await orgWithOwner(t);
  owner = o.owner;
  orgId = o.org.id;
  for (let batch = 0; batch < 10; batch++) {
    approvers.push(...(await Promise.all(Array.from({ length: 10 }, () => addMember(t, orgId, owner, "member")))));
  }
}, 180_000);
afterAll(async () => t.close());

describe("a large countersign node", () => {
  it("completes a 100-approver all node under parallel approvals, activating the next node once", { timeout: 180_000 }, async () => {
    const key = await createFlow(t, owner, orgId, { nodes: [approvalNode("everyone", "all", approvers.map((u) => u.id)), approvalNode("after", "any", [owner.id])] });
    const i = await started(t, owner, orgId, { flowKey: key });
    expect(lastNode(i, "everyone").required).toBe(100);
    const results = await Promise.all(approvers.map((u) => act(t, u, i.id, { action: "approve", taskId: pendingTaskOf(i, u.id)! })));
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const final = await read(t, owner, i.id);
    expect(lastNode(final, "everyone").status).toBe("approved");
    expect(eventsOf(final, "task.approved")).toHaveLength(100);
    expect(final.nodes.filter((n) => n.id === "after")).toHaveLength(1);
    // Exactly one approval closed the node: its answer is the first to show the next node.
    expect(eventsOf(final, "node.approved").filter((e) => e.nodeId === "everyone")).toHaveLength(1);
  });

  it("keeps a 100-approver all node open through 99 approvals and completes it on the 100th", { timeout: 180_000 }, async () => {
    const key = await createFlow(t, owner, orgId, { nodes: [approvalNode("everyone", "all", approvers.map((u) => u.id))] });
    const i = await started(t, owner, orgId, { flowKey: key });
    const [last, ...first] = approvers;
    const results = await Promise.all(first.map((u) => act(t, u, i.id, { action: "approve", taskId: pendingTaskOf(i, u.id)! })));
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);

    const waiting = await read(t, owner, i.id);
    expect(waiting.status).toBe("running");
    expect(lastNode(waiting, "everyone").status).toBe("active");
    expect(lastNode(waiting, "everyone").tasks.filter((x) => x.status === "approved")).toHaveLength(99);
    expect(lastNode(waiting, "everyone").tasks.filter((x) => x.status === "pending").map((x) => x.assigneeId)).toEqual([last!.id]);
    expect(eventsOf(waiting, "node.approved")).toEqual([]);

    const done = await acted(t, last!, i.id, { action: "approve", taskId: pendingTaskOf(i, last!.id)! });
    expect(done.status).toBe("approved");
    expect(lastNode(done, "everyone").status).toBe("approved");
    expect(eventsOf(done, "task.approved")).toHaveLength(100);
    expect(eventsOf(done, "node.approved")).toHaveLength(1);
  });
});
