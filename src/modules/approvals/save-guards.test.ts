import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { toProblem } from "../../http/problem.js";
import { DomainError, guardFailure } from "../../platform/errors.js";
import type { InstanceSession } from "./engine/session.js";
import { instancesRepo } from "./instances/repository.js";
import { approvalNode, createFlow, read, started, team, type Team } from "./testkit.js";

// The instance save is a queued write that goes with the commit: its compare-and-set guards
// run inside the database (plinth_guard) and, when they fail, roll the whole action back and
// come out as the domain error they name. Under the instance lock they should never fail; these
// tests make them fail on purpose, by saving from a stale reading.

let t: TestApp;
let org: Team;

beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 2);
});
afterAll(async () => t.close());

/** Saves `instanceId` as if its task had been approved, from a reading `stale` tweaks. */
async function saveApproved(instanceId: string, stale: { revision?: number; taskStatus?: string }): Promise<unknown> {
  return t.platform.db
    .tx(async (tx) => {
      const locked = (await instancesRepo.lock(tx, instanceId))!;
      const { instance, state } = locked;
      const now = new Date().toISOString();
      const task = state.tasks[0]!;
      const session = {
        instance: { ...instance, lastSeq: instance.lastSeq + 1 },
        runs: state.runs,
        tasks: [{ ...task, status: "approved", decidedAt: now, decidedBy: task.assigneeId }],
        loadedTaskStatus: new Map([[task.id, stale.taskStatus ?? task.status]]),
        newRunIds: new Set(),
        changedRunIds: new Set(),
        newTaskIds: new Set(),
        newEvents: [{ seq: instance.lastSeq + 1, attempt: instance.attempt, type: "task.approved", actorId: task.assigneeId, nodeId: null, taskId: task.id, data: {}, requestId: "guard-test", at: now }],
        now,
        ccUserIds: [],
        timeouts: [],
      } as unknown as InstanceSession;
      instancesRepo.save(tx, session, stale.revision ?? instance.revision);
      tx.queueWrite("insert into audit_log (org_id, action, target_type, target_id, ip, request_id) values ($1, 'approval.guard-test', 'approval', $2, 'test', 'guard-test')", [instance.orgId, instance.id]);
    })
    .then(() => undefined, (err: unknown) => err);
}

describe("instance save guards", () => {
  it("refuse a save from a stale revision: 409 conflict, nothing written", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "any", [org.members[0]!.id])] });
    const i = await started(t, org.members[1]!, org.orgId, { flowKey: key });
    const err = await saveApproved(i.id, { revision: 99 });
    expect(guardFailure(err)).toBeInstanceOf(DomainError);
    expect(guardFailure(err)?.code).toBe("conflict");
    expect(toProblem(err).code).toBe("conflict");
    const after = await read(t, org.members[1]!, i.id);
    expect(after.timeline).toEqual(i.timeline);
    expect(after.nodes[0]!.tasks.map((x) => x.status)).toEqual(["pending"]);
    const audit = await t.platform.db.query("select 1 from audit_log where request_id = 'guard-test'");
    expect(audit.rows).toEqual([]);
  });

  it("refuse a task decided since it was read: 409 task_already_decided", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "any", [org.members[0]!.id])] });
    const i = await started(t, org.members[1]!, org.orgId, { flowKey: key });
    const err = await saveApproved(i.id, { taskStatus: "waiting" });
    expect(guardFailure(err)?.code).toBe("task_already_decided");
    expect(toProblem(err)).toMatchObject({ code: "task_already_decided", detail: "Another decision on this task won the race" });
  });

  it("let a fresh save through", async () => {
    const key = await createFlow(t, org.owner, org.orgId, { nodes: [approvalNode("n", "any", [org.members[0]!.id])] });
    const i = await started(t, org.members[1]!, org.orgId, { flowKey: key });
    expect(await saveApproved(i.id, {})).toBeUndefined();
    // (A half-made decision, on purpose: read straight from the table, not through the invariant-checking view.)
    const { rows } = await t.platform.db.query<{ status: string }>("select status from approval_tasks where instance_id = $1", [i.id]);
    expect(rows.map((r) => r.status)).toEqual(["approved"]);
  });

  it("leave other errors alone", () => {
    expect(guardFailure(new Error("boom"))).toBeUndefined();
    expect(guardFailure({ code: "PLN01", detail: "no_such_code", message: "x" })).toBeUndefined();
    expect(guardFailure(null)).toBeUndefined();
  });
});
