import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import { addMember, type TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import type { Mode } from "./engine/definition.js";
import { act, acted, approvalNode, createFlow, eventsOf, lastNode, nodesOf, pendingTaskOf, read, started, team, type Team } from "./testkit.js";

// Completion rules, approver resolution and settings: APPROVALS.md cases 4, 6, 7, 8, 15 and 16.

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

describe("threshold nodes (case 4)", () => {
  it("case 4: with N=5 at 60% the 3rd approval passes and the 3rd rejection fails early; N=1 and N=2 round up", async () => {
    const five = m.slice(0, 5);
    const key = await flow({ nodes: [approvalNode("vote", "threshold", five.map((u) => u.id), { threshold: { percent: 60 } })] });
    const initiator = m[5]!;

    const a = await started(t, initiator, org.orgId, { flowKey: key });
    expect(lastNode(a, "vote").required).toBe(3);
    await acted(t, five[0]!, a.id, { action: "approve" });
    const two = await acted(t, five[1]!, a.id, { action: "approve" });
    expect(two.status).toBe("running");
    const three = await acted(t, five[2]!, a.id, { action: "approve" });
    expect(three.status).toBe("approved");
    expect(lastNode(three, "vote").tasks.filter((x) => x.status === "canceled")).toHaveLength(2);
    const late = await act(t, five[3]!, a.id, { action: "approve" });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("task_already_decided");

    const r = await started(t, initiator, org.orgId, { flowKey: key });
    await acted(t, five[0]!, r.id, { action: "reject" });
    await acted(t, five[1]!, r.id, { action: "approve" });
    const stillOpen = await acted(t, five[2]!, r.id, { action: "reject" });
    expect(stillOpen.status).toBe("running"); // R=2 <= N-k=2: three approvals are still possible
    const failed = await acted(t, five[3]!, r.id, { action: "reject" });
    expect(failed.status).toBe("rejected"); // R=3 > 2: approval became impossible, before the 5th answers
    expect(lastNode(failed, "vote").tasks.find((x) => x.assigneeId === five[4]!.id)?.status).toBe("canceled");

    const one = await flow({ nodes: [approvalNode("vote", "threshold", [m[0]!.id], { threshold: { percent: 60 } })] });
    const i1 = await started(t, initiator, org.orgId, { flowKey: one });
    expect(lastNode(i1, "vote").required).toBe(1);
    expect((await acted(t, m[0]!, i1.id, { action: "approve" })).status).toBe("approved");

    const pair = await flow({ nodes: [approvalNode("vote", "threshold", [m[0]!.id, m[1]!.id], { threshold: { percent: 60 } })] });
    const i2 = await started(t, initiator, org.orgId, { flowKey: pair });
    expect(lastNode(i2, "vote").required).toBe(2); // ceil(1.2) = 2
    expect((await acted(t, m[0]!, i2.id, { action: "approve" })).status).toBe("running");
    expect((await acted(t, m[1]!, i2.id, { action: "approve" })).status).toBe("approved");
    const i3 = await started(t, initiator, org.orgId, { flowKey: pair });
    expect((await acted(t, m[1]!, i3.id, { action: "reject" })).status).toBe("rejected"); // R=1 > N-k=0

    const count = await flow({ nodes: [approvalNode("vote", "threshold", [m[0]!.id, m[1]!.id, m[2]!.id], { threshold: { count: 2 } })] });
    const i4 = await started(t, initiator, org.orgId, { flowKey: count });
    await acted(t, m[0]!, i4.id, { action: "approve" });
    expect((await acted(t, m[2]!, i4.id, { action: "approve" })).status).toBe("approved");
  });

  it("or-sign (any) passes on the first approval; countersign (all) needs every approver; sequential goes one at a time", async () => {
    const any = await flow({ nodes: [approvalNode("n", "any", [m[0]!.id, m[1]!.id])] });
    const a = await started(t, m[5]!, org.orgId, { flowKey: any });
    expect((await acted(t, m[1]!, a.id, { action: "approve" })).status).toBe("approved");

    const all = await flow({ nodes: [approvalNode("n", "all", [m[0]!.id, m[1]!.id])] });
    const b = await started(t, m[5]!, org.orgId, { flowKey: all });
    expect((await acted(t, m[1]!, b.id, { action: "approve" })).status).toBe("running");
    expect((await acted(t, m[0]!, b.id, { action: "approve" })).status).toBe("approved");

    const seq = await flow({ nodes: [approvalNode("n", "sequential", [m[0]!.id, m[1]!.id, m[2]!.id])] });
    const c = await started(t, m[5]!, org.orgId, { flowKey: seq });
    expect(lastNode(c, "n").tasks.map((x) => x.status)).toEqual(["pending", "waiting", "waiting"]);
    const early = await act(t, m[1]!, c.id, { action: "approve" });
    expect(early.status).toBe(409);
    const c1 = await acted(t, m[0]!, c.id, { action: "approve" });
    expect(lastNode(c1, "n").tasks.map((x) => x.status)).toEqual(["approved", "pending", "waiting"]);
    const c2 = await acted(t, m[1]!, c.id, { action: "reject", comment: "no" });
    expect(c2.status).toBe("rejected");
    expect(lastNode(c2, "n").tasks.map((x) => x.status)).toEqual(["approved", "rejected", "canceled"]);
  });
});

describe("empty approver sets (case 6)", () => {
  // Nobody in the org has a department, so department_head resolves to nobody.
  const nobody = (emptyApprovers: string) => ({
    settings: { emptyApprovers },
    nodes: [{ id: "head", type: "approval", mode: "any", approvers: [{ type: "department_head" }] }, approvalNode("last", "any", [m[0]!.id])],
  });

  it("case 6: auto_pass skips the node, auto_reject rejects the instance, admin routes to org admins", async () => {
    const pass = await started(t, m[5]!, org.orgId, { flowKey: await flow(nobody("auto_pass")) });
    expect(pass.status).toBe("running");
    expect(lastNode(pass, "head")).toMatchObject({ status: "skipped", reason: "no_approvers", tasks: [] });
    expect(lastNode(pass, "last").status).toBe("active");

    const reject = await started(t, m[5]!, org.orgId, { flowKey: await flow(nobody("auto_reject")) });
    expect(reject.status).toBe("rejected");
    expect(lastNode(reject, "head")).toMatchObject({ status: "rejected", reason: "no_approvers" });
    expect(nodesOf(reject, "last")).toEqual([]);

    const admin = await addMember(t, org.orgId, org.owner, "admin");
    const routed = await started(t, m[5]!, org.orgId, { flowKey: await flow(nobody("admin")) });
    const head = lastNode(routed, "head");
    expect(head.tasks.map((x) => x.assigneeId).sort()).toEqual([org.owner.id, admin.id].sort());
    expect(head.tasks.every((x) => x.origin === "admin_fallback" && x.status === "pending")).toBe(true);
    const after = await acted(t, admin, routed.id, { action: "approve" });
    expect(lastNode(after, "head").status).toBe("approved");
    expect(lastNode(after, "last").status).toBe("active");
  });
});

describe("self-approval (case 7)", () => {
  const withSelf = (selfApproval: string, mode: Mode = "all") => flow({ settings: { selfApproval }, nodes: [approvalNode("n", mode, [m[0]!.id, m[1]!.id])] });

  it("case 7: self keeps the initiator's task, auto_pass auto-approves it, manager hands it to their manager", async () => {
    const self = await started(t, m[0]!, org.orgId, { flowKey: await withSelf("self") });
    expect(pendingTaskOf(self, m[0]!.id)).toBeDefined();
    await acted(t, m[0]!, self.id, { action: "approve" });
    expect((await acted(t, m[1]!, self.id, { action: "approve" })).status).toBe("approved");

    const auto = await started(t, m[0]!, org.orgId, { flowKey: await withSelf("auto_pass") });
    const own = lastNode(auto, "n").tasks.find((x) => x.assigneeId === m[0]!.id)!;
    expect(own).toMatchObject({ status: "auto_approved", autoReason: "self_approval" });
    expect(eventsOf(auto, "task.auto_approved")).toHaveLength(1);
    expect(auto.status).toBe("running"); // the other approver of the countersign still decides
    expect((await acted(t, m[1]!, auto.id, { action: "approve" })).status).toBe("approved");
    const onlySelf = await flow({ settings: { selfApproval: "auto_pass" }, nodes: [approvalNode("n", "any", [m[0]!.id])] });
    expect((await started(t, m[0]!, org.orgId, { flowKey: onlySelf })).status).toBe("approved");

    const boss = m[4]!;
    const patch = await call(t, "PATCH", `/api/v1/orgs/${org.orgId}/members/${m[0]!.id}`, { token: org.owner.token, body: { managerId: boss.id } });
    expect(patch.status).toBe(200);
    const byManager = await started(t, m[0]!, org.orgId, { flowKey: await withSelf("manager") });
    expect(lastNode(byManager, "n").tasks.map((x) => x.assigneeId)).toEqual([boss.id, m[1]!.id]);
  });
});

describe("dedupe (case 8)", () => {
  const same = (dedupe: string) => flow({ settings: { dedupe }, nodes: ["n1", "n2", "n3"].map((id) => approvalNode(id, "any", [m[0]!.id])) });
  const aba = (dedupe: string) => flow({ settings: { dedupe }, nodes: [approvalNode("n1", "any", [m[0]!.id]), approvalNode("n2", "any", [m[1]!.id]), approvalNode("n3", "any", [m[0]!.id])] });

  it("case 8: none asks every time; consecutive cascades through adjacent nodes; once covers the whole attempt", async () => {
    const none = await started(t, m[5]!, org.orgId, { flowKey: await same("none") });
    await acted(t, m[0]!, none.id, { action: "approve" });
    await acted(t, m[0]!, none.id, { action: "approve" });
    expect((await acted(t, m[0]!, none.id, { action: "approve" })).status).toBe("approved");

    const consecutive = await started(t, m[5]!, org.orgId, { flowKey: await same("consecutive") });
    const cascaded = await acted(t, m[0]!, consecutive.id, { action: "approve" });
    expect(cascaded.status).toBe("approved"); // n2 and n3 auto-approved in the same transaction
    expect(["n2", "n3"].map((id) => lastNode(cascaded, id).tasks[0])).toEqual([
      expect.objectContaining({ status: "auto_approved", autoReason: "dedupe_consecutive" }),
      expect.objectContaining({ status: "auto_approved", autoReason: "dedupe_consecutive" }),
    ]);
    const approvedSeqs = eventsOf(cascaded, "task.auto_approved").map((e) => e.seq);
    expect(approvedSeqs).toHaveLength(2);

    const notAdjacent = await started(t, m[5]!, org.orgId, { flowKey: await aba("consecutive") });
    await acted(t, m[0]!, notAdjacent.id, { action: "approve" });
    const atN3 = await acted(t, m[1]!, notAdjacent.id, { action: "approve" });
    expect(lastNode(atN3, "n3").tasks[0]!.status).toBe("pending");

    const once = await started(t, m[5]!, org.orgId, { flowKey: await aba("once") });
    await acted(t, m[0]!, once.id, { action: "approve" });
    const done = await acted(t, m[1]!, once.id, { action: "approve" });
    expect(done.status).toBe("approved");
    expect(lastNode(done, "n3").tasks[0]).toMatchObject({ status: "auto_approved", autoReason: "dedupe_once" });
  });
});

describe("branches (case 15)", () => {
  it("case 15: the first matching condition wins, no match takes the default, and a branch without default is refused", async () => {
    const key = await flow({
      nodes: [
        {
          id: "size?",
          type: "branch",
          branches: [
            { when: { field: "amount", op: "gt", value: 10000 }, next: "director" },
            { when: { field: "amount", op: "gt", value: 5000 }, next: "manager" },
          ],
          default: "clerk",
        },
        approvalNode("director", "any", [m[0]!.id], { next: "end" }),
        approvalNode("manager", "any", [m[1]!.id], { next: "end" }),
        approvalNode("clerk", "any", [m[2]!.id]),
      ],
    });
    const big = await started(t, m[5]!, org.orgId, { flowKey: key, form: { amount: 20000 } });
    expect(big.nodes.map((n) => n.id)).toEqual(["size?", "director"]);
    expect(eventsOf(big, "branch.evaluated")[0]!.data).toEqual({ matched: 0, next: "director" });
    const mid = await started(t, m[5]!, org.orgId, { flowKey: key, form: { amount: 7000 } });
    expect(mid.nodes.map((n) => n.id)).toEqual(["size?", "manager"]);
    const small = await started(t, m[5]!, org.orgId, { flowKey: key, form: { amount: 100 } });
    expect(small.nodes.map((n) => n.id)).toEqual(["size?", "clerk"]);
    expect(eventsOf(small, "branch.evaluated")[0]!.data).toEqual({ matched: null, next: "clerk" });
    const blank = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect(blank.nodes.map((n) => n.id)).toEqual(["size?", "clerk"]);
    expect((await acted(t, m[1]!, mid.id, { action: "approve" })).status).toBe("approved");

    const noDefault = await call(t, "POST", `/api/v1/orgs/${org.orgId}/approval-flows`, {
      token: org.owner.token,
      body: { key: "no-default", name: "x", nodes: [{ id: "b", type: "branch", branches: [{ when: { field: "a", op: "eq", value: 1 }, next: "end" }] }] },
    });
    expect(noDefault.status).toBe(422);
    expect(noDefault.body.errors).toEqual([expect.objectContaining({ path: "body.nodes.b.default" })]);
  });

  it("evaluates every operator over form fields", async () => {
    const ops: [string, unknown, Record<string, unknown>, boolean][] = [
      ["eq", "red", { v: "red" }, true],
      ["ne", "red", { v: "blue" }, true],
      ["ne", "red", {}, true],
      ["gte", 10, { v: 10 }, true],
      ["lt", 10, { v: "9" }, true],
      ["lte", "2026-01-01", { v: "2026-02-01" }, false],
      ["in", ["a", "b"], { v: "b" }, true],
      ["in", ["a", "b"], { v: "c" }, false],
      ["contains", "x", { v: ["x", "y"] }, true],
      ["contains", "ell", { v: "hello" }, true],
      ["gt", 1, { v: "not a number" }, false],
    ];
    for (const [op, value, form, matches] of ops) {
      const key = await flow({ nodes: [{ id: "b", type: "branch", branches: [{ when: { field: "v", op, value }, next: "yes" }], default: "no" }, approvalNode("yes", "any", [m[0]!.id], { next: "end" }), approvalNode("no", "any", [m[0]!.id])] });
      const i = await started(t, m[5]!, org.orgId, { flowKey: key, form });
      expect(i.nodes[1]!.id, `${op} ${JSON.stringify(value)} on ${JSON.stringify(form)}`).toBe(matches ? "yes" : "no");
    }
  });
});

describe("cc nodes (case 16)", () => {
  it("case 16: a cc user can read the approval and sees it in the cc box, but approving is 403", async () => {
    const watcher = m[3]!;
    const key = await flow({ nodes: [{ id: "fyi", type: "cc", approvers: [{ type: "user", userId: watcher.id }] }, approvalNode("boss", "any", [m[0]!.id])] });
    const i = await started(t, m[5]!, org.orgId, { flowKey: key });
    expect(lastNode(i, "fyi")).toMatchObject({ status: "approved", ccUserIds: [watcher.id] });
    const tries = await act(t, watcher, i.id, { action: "approve" });
    expect(tries.status).toBe(403);
    const bossTask = pendingTaskOf(i, m[0]!.id)!;
    const named = await act(t, watcher, i.id, { action: "approve", taskId: bossTask });
    expect(named.status).toBe(403);
    const rejects = await act(t, watcher, i.id, { action: "reject" });
    expect(rejects.status).toBe(403);
    expect((await read(t, watcher, i.id)).status).toBe("running");
    const box = await call(t, "GET", "/api/v1/me/approvals?box=cc", { token: watcher.token });
    expect(box.body.items.map((x: { id: string }) => x.id)).toContain(i.id);
    const comment = await act(t, watcher, i.id, { action: "comment", comment: "收到" });
    expect(comment.status).toBe(200);
    const stranger = m[2]!;
    expect((await call(t, "GET", `/api/v1/approvals/${i.id}`, { token: stranger.token })).status).toBe(403);
  });
});
