import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import type { TestUser } from "../../../test/factories.js";
import { acted, approvalNode, createFlow, eventsOf, lastNode, read, started, team, type Team } from "./testkit.js";
import { startApprovalScheduler } from "./scheduler.js";
import { ApprovalsService } from "./service.js";

// Node timeouts: APPROVALS.md case 14, each timeout action, durability and the scheduler.

let t: TestApp;
let org: Team;
let m: TestUser[];
beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 4);
  m = org.members;
});
afterAll(async () => t.close());

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000);
const fire = (at: Date) => t.services.approvals.fireDueTimeouts(at);
const flow = (def: Record<string, unknown>) => createFlow(t, org.owner, org.orgId, def);
const reminders = async (approvalId: string) =>
  (await t.platform.db.query<{ n: number }>("select count(*)::int as n from outbox_events where type = 'approval.reminded' and data->>'approvalId' = $1", [approvalId])).rows[0]!.n;

describe("node timeouts", () => {
  it("case 14: a timeout firing after a human decision is a no-op, and a duplicated timeout job has one effect", async () => {
    const key = await flow({
      nodes: [
        approvalNode("first", "any", [m[0]!.id], { timeout: { hours: 1, action: "auto_reject" } }),
        approvalNode("second", "any", [m[1]!.id], { timeout: { hours: 5, action: "remind" } }),
      ],
    });
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    await acted(t, m[0]!, i.id, { action: "approve" });
    await fire(hoursFromNow(2)); // first's auto_reject is due, but m0 already decided
    const after = await read(t, m[3]!, i.id);
    expect(after.status).toBe("running");
    expect(lastNode(after, "first").status).toBe("approved");
    expect(eventsOf(after, "timeout.fired")).toEqual([]);
    const row = await t.platform.db.query<{ outcome: string }>("select outcome from approval_timeouts where instance_id = $1 and fired_at is not null", [i.id]);
    expect(row.rows.map((r) => r.outcome)).toEqual(["noop"]);

    // The remind on "second" is due at +5h: two jobs fire at once, and again later; one effect.
    const at = hoursFromNow(6);
    await Promise.all([fire(at), fire(at), fire(at)]);
    await fire(hoursFromNow(7));
    const reminded = await read(t, m[3]!, i.id);
    expect(eventsOf(reminded, "timeout.fired").map((e) => e.data)).toEqual([{ action: "remind", userIds: [m[1]!.id] }]);
    expect(await reminders(i.id)).toBe(1);
    expect(reminded.status).toBe("running");
  });

  it("auto_approve passes the node, auto_reject rejects it, escalate adds the org admins who may decide alone", async () => {
    const approveKey = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id], { timeout: { hours: 24, action: "auto_approve" } })] });
    const a = await started(t, m[3]!, org.orgId, { flowKey: approveKey });
    await acted(t, m[0]!, a.id, { action: "approve" });
    const rejectKey = await flow({ nodes: [approvalNode("n", "any", [m[0]!.id], { timeout: { hours: 24, action: "auto_reject" } })] });
    const r = await started(t, m[3]!, org.orgId, { flowKey: rejectKey });
    const escalateKey = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id], { timeout: { hours: 24, action: "escalate" } }), approvalNode("next", "any", [m[2]!.id])] });
    const e = await started(t, m[3]!, org.orgId, { flowKey: escalateKey });

    const result = await fire(hoursFromNow(25));
    expect(result.failed).toBe(0);

    const approved = await read(t, m[3]!, a.id);
    expect(approved.status).toBe("approved");
    expect(lastNode(approved, "n").tasks.find((x) => x.assigneeId === m[1]!.id)).toMatchObject({ status: "auto_approved", autoReason: "timeout" });

    const rejected = await read(t, m[3]!, r.id);
    expect(rejected.status).toBe("rejected");
    expect(lastNode(rejected, "n")).toMatchObject({ status: "rejected", reason: "timeout" });

    const escalated = await read(t, m[3]!, e.id);
    const adminTask = lastNode(escalated, "n").tasks.find((x) => x.origin === "escalate");
    expect(adminTask).toMatchObject({ assigneeId: org.owner.id, status: "pending" });
    const decided = await acted(t, org.owner, e.id, { action: "approve", taskId: adminTask!.id });
    expect(lastNode(decided, "n").status).toBe("approved");
    expect(lastNode(decided, "next").status).toBe("active");
  });

  it("keeps timeouts in the database: a fresh service (after a restart) fires what is due", async () => {
    const key = await flow({ nodes: [approvalNode("n", "any", [m[0]!.id], { timeout: { hours: 48, action: "auto_approve" } })] });
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    const restarted = new ApprovalsService(t.platform, t.services.orgs, t.services.projects);
    expect((await restarted.fireDueTimeouts(hoursFromNow(47))).fired).toBe(0);
    await restarted.fireDueTimeouts(hoursFromNow(49));
    expect((await read(t, m[3]!, i.id)).status).toBe("approved");
  });

  it("runs from the cron scheduler, which stops cleanly", async () => {
    const key = await flow({ nodes: [approvalNode("n", "any", [m[0]!.id], { timeout: { hours: 100, action: "auto_reject" } })] });
    const i = await started(t, m[3]!, org.orgId, { flowKey: key });
    t.services.approvals.useClock(() => hoursFromNow(101));
    const stop = startApprovalScheduler(t.services, t.platform, { intervalMs: 20 });
    try {
      let status = "running";
      for (let tries = 0; tries < 200 && status === "running"; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        status = (await read(t, m[3]!, i.id)).status;
      }
      expect(status).toBe("rejected");
    } finally {
      await stop();
      t.services.approvals.useClock(() => new Date());
    }
  });
});
