import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app.js";
import type { TestUser } from "../../../test/factories.js";
import { call } from "../../../test/http.js";
import { act, assertInvariants, createFlow, read, start, team, type Instance, type Team } from "./testkit.js";

// Random flows and random action sequences from several users (seeded, reproducible).
// After every step the invariants of testkit.assertInvariants must hold, no request may
// fail with a 5xx, and a refused action (4xx) must leave the instance exactly as it was.

const SEED = Number(process.env.APPROVALS_SEED ?? 20260611);
const FLOWS = 20;
const INSTANCES_PER_FLOW = 3;
const STEPS = 30;

let t: TestApp;
let org: Team;
let people: TestUser[];
beforeAll(async () => {
  t = await createTestApp();
  org = await team(t, 6);
  people = [org.owner, ...org.members];
});
afterAll(async () => t.close());

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const some = <T>(xs: readonly T[], min: number, max: number): T[] => {
    const copy = [...xs];
    const n = Math.min(copy.length, min + int(max - min + 1));
    const out: T[] = [];
    while (out.length < n) out.push(copy.splice(int(copy.length), 1)[0]!);
    return out;
  };
  return { next, int, pick, some };
}

type Rand = ReturnType<typeof prng>;

function randomFlow(r: Rand): Record<string, unknown> {
  const count = 1 + r.int(4);
  const ids = Array.from({ length: count }, (_, i) => `n${i}`);
  const later = (i: number) => (i + 1 < count ? r.pick([...ids.slice(i + 1), "end"]) : "end");
  const nodes = ids.map((id, i) => {
    const kind = i < count - 1 ? r.pick(["approval", "approval", "approval", "cc", "branch"]) : r.pick(["approval", "approval", "cc"]);
    if (kind === "branch") {
      return { id, type: "branch", branches: [{ when: { field: "amount", op: r.pick(["gt", "lte", "eq", "ne"]), value: r.pick([10, 100, 1000]) }, next: later(i) }], default: later(i) };
    }
    const approvers = r.some(people, 1, 4).map((u) => ({ type: "user", userId: u.id }));
    if (r.next() < 0.15) approvers.push({ type: "role", role: "admin" } as never);
    if (kind === "cc") return { id, type: "cc", approvers };
    const mode = r.pick(["sequential", "all", "any", "threshold"] as const);
    return {
      id,
      type: "approval",
      mode,
      approvers,
      ...(mode === "threshold" ? { threshold: r.next() < 0.5 ? { count: 1 + r.int(3) } : { percent: 1 + r.int(100) } } : {}),
      ...(r.next() < 0.3 && i + 1 < count ? { next: later(i) } : {}),
    };
  });
  return {
    settings: {
      dedupe: r.pick(["none", "consecutive", "once"]),
      selfApproval: r.pick(["self", "auto_pass", "manager"]),
      emptyApprovers: r.pick(["auto_pass", "auto_reject", "admin"]),
      onReject: r.pick(["terminate", "return_to_initiator"]),
    },
    nodes,
  };
}

/** A random action, usually by someone who can take it. */
function randomAction(r: Rand, i: Instance): { user: TestUser; body: Record<string, unknown> } {
  const byId = (id: string) => people.find((p) => p.id === id)!;
  const tasks = i.nodes.flatMap((n) => n.tasks);
  const pending = tasks.filter((t) => t.status === "pending");
  const open = tasks.filter((t) => t.status === "pending" || t.status === "waiting");
  const holder = pending.length > 0 && r.next() < 0.85 ? r.pick(pending) : undefined;
  const approver = holder ? byId(holder.assigneeId) : r.pick(people);
  const initiator = r.next() < 0.85 ? byId(i.initiatorId) : r.pick(people);
  const taskId = holder && r.next() < 0.5 ? { taskId: holder.id } : {};
  const approvedNodes = i.nodes.filter((n) => n.attempt === i.attempt && n.status === "approved" && n.type === "approval").map((n) => n.id);
  const action = r.pick(["approve", "approve", "approve", "approve", "approve", "approve", "reject", "transfer", "add_signer", "add_signer", "return", "resubmit", "resubmit", "comment", "urge", "reassign", r.next() < 0.5 ? "withdraw" : "approve"] as const);
  switch (action) {
    case "approve":
    case "reject":
      return { user: approver, body: { action, ...taskId } };
    case "transfer":
      return { user: approver, body: { action, ...taskId, toUserId: r.pick(people).id } };
    case "add_signer":
      return { user: approver, body: { action, ...taskId, position: r.pick(["before", "after", "parallel"]), userIds: r.some(people, 1, 2).map((p) => p.id) } };
    case "return":
      return { user: approver, body: { action, ...taskId, ...(approvedNodes.length > 0 && r.next() < 0.6 ? { toNodeId: r.pick(approvedNodes) } : {}) } };
    case "withdraw":
    case "urge":
      return { user: initiator, body: { action } };
    case "resubmit":
      return { user: initiator, body: { action, ...(r.next() < 0.5 ? { form: { amount: r.pick([5, 50, 500, 5000]) } } : {}) } };
    case "comment":
      return { user: r.pick(people), body: { action, comment: `note ${r.int(1000)}` } };
    case "reassign":
      return { user: r.next() < 0.8 ? org.owner : r.pick(people), body: { action, ...(open.length > 0 ? { taskId: r.pick(open).id } : {}), toUserId: r.pick(people).id } };
  }
}

const withoutTime = (i: Instance) => ({ ...i, updatedAt: undefined });

describe("randomized flows and actions", () => {
  it(`keeps every invariant over random flows and action sequences (seed ${SEED})`, { timeout: 240_000 }, async () => {
    const r = prng(SEED);
    const statuses = new Map<number, number>();
    const endings = new Set<string>();
    for (let f = 0; f < FLOWS; f++) {
      const def = randomFlow(r);
      const key = await createFlow(t, org.owner, org.orgId, def);
      for (let k = 0; k < INSTANCES_PER_FLOW; k++) {
        const initiator = r.pick(people);
        const res = await start(t, initiator, org.orgId, { flowKey: key, form: { amount: r.pick([5, 50, 500, 5000]) } });
        const context = `seed ${SEED} flow ${f} ${JSON.stringify(def)}`;
        expect(res.status, `${context}: ${JSON.stringify(res.body)}`).toBe(201);
        let current = res.body as Instance;
        assertInvariants(current);
        for (let step = 0; step < STEPS && !["approved", "rejected", "withdrawn"].includes(current.status); step++) {
          const parallel = r.next() < 0.2 ? 2 : 1;
          const moves = Array.from({ length: parallel }, () => randomAction(r, current));
          const results = await Promise.all(moves.map((mv) => act(t, mv.user, current.id, mv.body)));
          for (const [n, out] of results.entries()) {
            statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
            expect(out.status, `${context} step ${step}: ${JSON.stringify(moves[n]!.body)} -> ${JSON.stringify(out.body)}`).toBeLessThan(500);
          }
          const after = await read(t, people.find((p) => p.id === current.initiatorId)!, current.id);
          assertInvariants(after);
          const changed = results.filter((x) => x.status === 200 && x.body.revision > current.revision).length;
          expect(after.revision, `${context} step ${step}: one revision per applied action`).toBe(current.revision + changed);
          // jsonb may reorder keys inside data and form, so compare structurally.
          if (changed === 0) expect(withoutTime(after), `${context} step ${step}: a refused action changed nothing`).toEqual(withoutTime(current));
          current = after;
        }
        endings.add(current.status);
      }
    }
    // The run exercised both applied and refused actions, and instances ended every way.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    expect([...endings].sort()).toEqual(expect.arrayContaining(["approved", "rejected", "withdrawn"]));
    const meta = await call(t, "GET", `/api/v1/orgs/${org.orgId}/approval-flows?limit=200`, { token: org.owner.token });
    expect(meta.body.items).toHaveLength(FLOWS);
  });
});
