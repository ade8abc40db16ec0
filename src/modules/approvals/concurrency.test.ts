import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, type TestUser } from "../../../test/factories.js";
import { act, acted, approvalNode, assertInvariants, createFlow, eventsOf, nodesOf, pendingTaskOf, read, started, team, type Instance, type Team } from "./testkit.js";

// Races fired as real parallel requests, many rounds each: APPROVALS.md cases 1, 2, 3, 11 and 18.

let t: TestApp;
let org: Team;
let m: TestUser[];
const ROUNDS = 30;
beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 5);
  m = org.members;
});
afterAll(async () => t.close());

const outboxCount = async (approvalId: string): Promise<number> => {
  const r = await t.platform.db.query<{ n: number }>("select count(*)::int as n from outbox_events where data->>'approvalId' = $1 or data->>'id' = $1", [approvalId]);
  return r.rows[0]!.n;
};

describe("concurrent actions", () => {
  it("case 1: approve and reject race on an any node: exactly one wins, the other gets 409", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "any", [m[0]!.id, m[1]!.id])] });
    const winners = { approve: 0, reject: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const i = await started(t, m[4]!, org.orgId, { flowKey: key });
      const [approve, reject] = await Promise.all([act(t, m[0]!, i.id, { action: "approve" }), act(t, m[1]!, i.id, { action: "reject" })]);
      expect([approve.status, reject.status].sort(), `round ${round}`).toEqual([200, 409]);
      const loser = approve.status === 409 ? approve : reject;
      expect(loser.body.code).toBe("task_already_decided");
      const final = await read(t, m[4]!, i.id);
      expect(final.status).toBe(approve.status === 200 ? "approved" : "rejected");
      winners[approve.status === 200 ? "approve" : "reject"]++;
      expect(eventsOf(final, "task.approved").length + eventsOf(final, "task.rejected").length).toBe(1);
      expect(eventsOf(final, "instance.approved").length + eventsOf(final, "instance.rejected").length).toBe(1);
    }
    expect(winners.approve + winners.reject).toBe(ROUNDS);
  });

  it("case 2: two approvals race on the last open tasks of an all node: the next node activates exactly once", async () => {
    const key = await createFlow(t, org.owner, org.orgId, {
      nodes: [approvalNode("sign", "all", [m[0]!.id, m[1]!.id, m[2]!.id]), approvalNode("next", "any", [m[3]!.id])],
    });
    for (let round = 0; round < ROUNDS; round++) {
      const i = await started(t, m[4]!, org.orgId, { flowKey: key });
      await acted(t, m[0]!, i.id, { action: "approve" });
      // Two different approvers hold the last two open tasks; the same last approver also double-submits.
      const results = await Promise.all([
        act(t, m[1]!, i.id, { action: "approve" }),
        act(t, m[2]!, i.id, { action: "approve" }),
        act(t, m[2]!, i.id, { action: "approve" }),
      ]);
      expect(results.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 200, 409]);
      const final = await read(t, m[4]!, i.id);
      expect(nodesOf(final, "next"), `round ${round}`).toHaveLength(1);
      expect(nodesOf(final, "next")[0]!.tasks).toHaveLength(1);
      expect(eventsOf(final, "node.activated").filter((e) => e.nodeId === "next")).toHaveLength(1);
      expect(final.status).toBe("running");
    }
  });

  it("case 3: the same Idempotency-Key replayed gives the same answer and no second event or notification", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id])] });
    const i = await started(t, m[4]!, org.orgId, { flowKey: key });
    const headers = { "idempotency-key": `approve-${i.id}` };
    const first = await act(t, m[0]!, i.id, { action: "approve", comment: "ok" }, headers);
    expect(first.status).toBe(200);
    const events = first.body.timeline.length;
    const outbox = await outboxCount(i.id);
    const again = await act(t, m[0]!, i.id, { action: "approve", comment: "ok" }, headers);
    expect(again.status).toBe(200);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await read(t, m[4]!, i.id)).timeline).toHaveLength(events);
    expect(await outboxCount(i.id)).toBe(outbox);

    // Parallel duplicates: one effect, the others replay or are told it is in flight.
    for (let round = 0; round < 10; round++) {
      const j = await started(t, m[4]!, org.orgId, { flowKey: key });
      const h = { "idempotency-key": `race-${j.id}` };
      const rs = await Promise.all(Array.from({ length: 5 }, () => act(t, m[1]!, j.id, { action: "approve" }, h)));
      expect(rs.every((r) => r.status === 200 || (r.status === 409 && r.body.code === "idempotency_in_flight"))).toBe(true);
      const after = await read(t, m[4]!, j.id);
      expect(eventsOf(after, "task.approved")).toHaveLength(1);
    }

    // A client that repeats its X-Request-Id (a retry without Idempotency-Key) is a no-op too.
    const k = await started(t, m[4]!, org.orgId, { flowKey: key });
    const rid = { "x-request-id": `retry-${k.id}` };
    const once = await act(t, m[0]!, k.id, { action: "comment", comment: "first" }, rid);
    const twice = await act(t, m[0]!, k.id, { action: "comment", comment: "first" }, rid);
    expect(twice.status).toBe(200);
    expect(twice.body.timeline).toEqual(once.body.timeline);
    expect(eventsOf(await read(t, m[4]!, k.id), "commented")).toHaveLength(1);
  });

  it("case 11: withdraw races the final approval: exactly one of withdrawn or approved", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("a", "any", [m[0]!.id]), approvalNode("b", "any", [m[1]!.id])] });
    const seen = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const i = await started(t, m[4]!, org.orgId, { flowKey: key });
      await acted(t, m[0]!, i.id, { action: "approve" });
      const [withdraw, approve] = await Promise.all([act(t, m[4]!, i.id, { action: "withdraw" }), act(t, m[1]!, i.id, { action: "approve" })]);
      expect([withdraw.status, approve.status].sort(), `round ${round}`).toEqual([200, 409]);
      const final = await read(t, m[4]!, i.id);
      if (withdraw.status === 200) {
        expect(final.status).toBe("withdrawn");
        expect(approve.body.code).toBe("task_already_decided");
      } else {
        expect(final.status).toBe("approved");
        expect(withdraw.body.code).toBe("approval_not_running");
      }
      seen.add(final.status);
      expect(eventsOf(final, "instance.withdrawn").length + eventsOf(final, "instance.approved").length).toBe(1);
    }
    expect([...seen].every((s) => s === "withdrawn" || s === "approved")).toBe(true);
  });

  it("case 18: timeline seq is gap-free and monotonic under 50 concurrent actions", async () => {
    const approvers: TestUser[] = [];
    for (let n = 0; n < 20; n++) approvers.push(await addMember(t, org.orgId, org.owner, "member"));
    const key = await createFlow(t, org.owner, org.orgId, {
      nodes: [approvalNode("big", "all", approvers.map((u) => u.id)), approvalNode("after", "any", [m[0]!.id])],
    });
    for (let round = 0; round < 3; round++) {
      const i = await started(t, m[4]!, org.orgId, { flowKey: key });
      const requests = [
        ...approvers.map((u) => act(t, u, i.id, { action: "approve", taskId: pendingTaskOf(i, u.id)! })),
        ...Array.from({ length: 25 }, (_, n) => act(t, n % 2 ? m[4]! : approvers[n % approvers.length]!, i.id, { action: "comment", comment: `c${n}` })),
        ...Array.from({ length: 5 }, () => act(t, m[4]!, i.id, { action: "urge" })),
      ];
      const results = await Promise.all(requests);
      for (const r of results.slice(0, 45)) expect(r.status, JSON.stringify(r.body)).toBe(200);
      // One urge per hour per node: the urges that got through each urged a different node.
      const urges = results.slice(45);
      expect(urges.every((r) => r.status === 200 || (r.status === 429 && r.headers["retry-after"] !== undefined))).toBe(true);
      const urged = urges.filter((r) => r.status === 200).length;
      expect(urged).toBeGreaterThanOrEqual(1);
      for (const r of results.filter((x) => x.status === 200)) {
        const seqs = (r.body as Instance).timeline.map((e) => e.seq);
        expect(seqs).toEqual(seqs.map((_, idx) => idx + 1));
      }
      const final = await read(t, m[4]!, i.id);
      assertInvariants(final);
      expect(eventsOf(final, "task.approved")).toHaveLength(20);
      expect(eventsOf(final, "commented")).toHaveLength(25);
      expect(nodesOf(final, "after")).toHaveLength(1);
      const urgedNodes = eventsOf(final, "urged").map((e) => e.nodeId);
      expect(urgedNodes).toHaveLength(urged);
      expect(new Set(urgedNodes).size).toBe(urged);
      const stored = await t.platform.db.query<{ seq: number }>("select seq from approval_events where instance_id = $1 order by seq", [i.id]);
      expect(stored.rows.map((r) => r.seq)).toEqual(stored.rows.map((_, idx) => idx + 1));
    }
  });
});
