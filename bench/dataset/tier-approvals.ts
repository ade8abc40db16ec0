import { DEFAULT_SETTINGS, type FlowDefinition } from "../../src/modules/approvals/engine/definition.js";
import type { Database } from "../../src/platform/db/index.js";
import { ApprovalRows, EngineInstance, insertFlow, planDirectory, type Flow, type PendingDecision } from "./approvals.js";
import { taskId, type Plan, type PlanProject, type PlanUser } from "./plan.js";
import { evenSplit, rng, stableUuid, type Rng } from "./random.js";

// The approval history of a tier: three flows per org, instances started by
// members on tasks of their projects over the last WINDOW_DAYS days, most of them
// decided (approved, rejected, a few withdrawn) with their timeline, the newest
// PENDING_SHARE still waiting on real approvers. Every row comes from the engine
// (approvals.ts); this file only decides who starts what, when, and who decides how.

const DAY = 86_400_000;
const MINUTE = 60_000;
const WINDOW_DAYS = 60;
/** The newest fifth of the instances still waits: the backlog the mix's approvers work through. */
const PENDING_SHARE = 0.2;
const REJECT_SHARE = 0.12;
const WITHDRAW_SHARE = 0.03;

/** Or-sign: the initiator's manager or department head, whoever decides first. */
const EXPENSE: FlowDefinition = {
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "manager", type: "approval", name: "主管审批 / Manager", mode: "any", approvers: [{ type: "manager" }, { type: "department_head" }] }],
};

/** Two steps in sequence (the project's manager, then the department head), then a copy to the initiator's manager. */
const RELEASE: FlowDefinition = {
  settings: { ...DEFAULT_SETTINGS, selfApproval: "auto_pass" },
  nodes: [
    { id: "project", type: "approval", name: "项目经理 / Project manager", mode: "any", approvers: [{ type: "project_manager" }] },
    { id: "department", type: "approval", name: "部门负责人 / Department head", mode: "any", approvers: [{ type: "department_head" }] },
    { id: "inform", type: "cc", name: "抄送 / CC", approvers: [{ type: "manager" }] },
  ],
};

/** Countersign (会签): every reviewer the initiator picks must approve. */
const CHANGE: FlowDefinition = {
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "board", type: "approval", name: "变更评审会签 / Change board", mode: "all", approvers: [{ type: "initiator_pick" }] }],
};

const FLOWS = [
  { key: "expense-claim", name: "费用报销 / Expense claim", def: EXPENSE, weight: 50 },
  { key: "release-review", name: "发布评审 / Release review", def: RELEASE, weight: 35 },
  { key: "change-board", name: "变更会签 / Change board", def: CHANGE, weight: 15 },
] as const;

type FlowKey = (typeof FLOWS)[number]["key"];

export interface ApprovalHistory {
  /** Every pending task of a running instance, shuffled: the mix's approve/reject work. */
  pending: PendingDecision[];
  instances: number;
  running: number;
  pendingTasks: number;
}

function title(key: FlowKey, taskKey: string, zh: boolean, amount: number): string {
  switch (key) {
    case "expense-claim":
      return zh ? `费用报销 ${taskKey}：${amount} 元` : `Expense claim for ${taskKey}: CNY ${amount}`;
    case "release-review":
      return zh ? `发布评审 ${taskKey}` : `Release review ${taskKey}`;
    case "change-board":
      return zh ? `变更会签 ${taskKey}` : `Change approval ${taskKey}`;
  }
}

/** A project of the org, bigger ones (more tasks, more people) more often. */
function pickProject(r: Rng, plan: Plan, projects: PlanProject[], total: number): PlanProject {
  let x = r.next() * total;
  for (const p of projects) if ((x -= p.taskCount) < 0) return p;
  return projects[projects.length - 1]!;
}

/**
 * Loads the tier's approval history (`total` instances over the orgs) and calls
 * `onInstance` with each instance once its rows are queued (for its notifications).
 */
export async function loadApprovalHistory(db: Database, plan: Plan, total: number, onInstance: (e: EngineInstance) => Promise<void>): Promise<ApprovalHistory> {
  const r = rng(`${plan.seed}/approvals`);
  let rowNumber = 0;
  const newId = () => stableUuid(plan.seed, "approval-row", rowNumber++);
  const rows = new ApprovalRows(db, db.kind === "postgres" ? 2000 : 1000);
  const byId = new Map(plan.users.map((u) => [u.id, u]));
  const anchor = plan.anchor.getTime();
  const pending: PendingDecision[] = [];
  const perOrg = evenSplit(total, plan.orgs.length);

  for (const org of plan.orgs) {
    const owner = plan.users[org.ownerIndex]!;
    const flows = new Map<FlowKey, Flow>();
    for (const f of FLOWS) flows.set(f.key, await insertFlow(db, org.id, f.key, f.name, f.def, owner.id, stableUuid(plan.seed, "flow", `${org.index}:${f.key}`)));
    const dir = planDirectory(plan, org.index);
    const projects = org.projectIndexes.map((p) => plan.projects[p]!);
    const tasks = projects.reduce((s, p) => s + p.taskCount, 0);
    const n = perOrg[org.index]!;
    const firstPending = n - Math.round(n * PENDING_SHARE);

    for (let k = 0; k < n; k++) {
      const project = pickProject(r, plan, projects, tasks);
      const staff = project.workers.map((u) => plan.users[u]!).filter((u) => u.role !== "guest");
      const initiator = staff.length > 0 ? r.pick(staff) : plan.users[project.createdBy]!;
      const reviewers = staff.filter((u) => u.index !== initiator.index);
      let key = r.weighted(FLOWS.map((f) => [f.key, f.weight] as const));
      if (key === "change-board" && reviewers.length < 2) key = "release-review";
      const num = Math.max(1, project.taskCount - Math.floor(Math.pow(r.next(), 2) * project.taskCount));
      const amount = r.int(1, 200) * 50;
      const picked = key === "change-board" ? { board: pickDistinct(r, reviewers, Math.min(reviewers.length, r.int(2, 4))).map((u) => u.id) } : undefined;
      let at = anchor - WINDOW_DAYS * DAY * (1 - (k + r.next()) / n);
      const e = await EngineInstance.start(dir, flows.get(key)!, {
        orgId: org.id,
        initiatorId: initiator.id,
        title: title(key, `${project.key}-${num}`, initiator.locale === "zh-CN", amount),
        form: key === "expense-claim" ? { amount, currency: "CNY" } : key === "release-review" ? { version: `v${r.int(1, 5)}.${r.int(0, 20)}` } : { risk: r.pick(["low", "medium", "high"]) },
        at: new Date(at).toISOString(),
        subject: { taskId: taskId(plan.seed, project.index, num), projectId: project.id },
        ...(picked ? { picked } : {}),
        newId,
      });
      // Each decision some minutes to a day after the last, never after the anchor.
      const later = () => (at = Math.max(at, Math.min(anchor - MINUTE, at + r.int(5, 24 * 60) * MINUTE)));
      const decide = async (rejecting: boolean) => {
        const task = r.pick(e.pending());
        const approver = byId.get(task.assigneeId)!;
        const comment = rejecting ? "请补充说明 / Please add details" : r.chance(0.4) ? "同意 / Approved" : undefined;
        await e.act(approver, new Date(later()).toISOString(), rejecting ? "reject" : "approve", { taskId: task.id, ...(comment ? { comment } : {}) });
      };
      const running = () => e.instance.status === "running" && e.pending().length > 0;
      if (k < firstPending) {
        if (running() && r.chance(WITHDRAW_SHARE)) await e.act(initiator, new Date(later()).toISOString(), "withdraw", { comment: "不再需要 / No longer needed" });
        for (let guard = 0; guard < 50 && running(); guard++) await decide(r.chance(REJECT_SHARE));
      } else {
        // Still waiting: a release may have passed its first step, a countersign some of its signers.
        let approvals = key === "release-review" ? (r.chance(0.5) ? 1 : 0) : key === "change-board" ? r.int(0, e.pending().length - 1) : 0;
        for (; approvals > 0 && running(); approvals--) await decide(false);
        if (e.instance.status === "running") for (const t of e.pending()) pending.push({ instanceId: e.instance.id, taskId: t.id, approver: byId.get(t.assigneeId)!.index });
      }
      rows.add(e);
      await onInstance(e);
      await rows.flushIfFull();
    }
  }
  await rows.flush();
  // Shuffled, so two approvers of one or-sign node rarely come one after the other.
  for (let i = pending.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [pending[i], pending[j]] = [pending[j]!, pending[i]!];
  }
  return { pending, instances: rows.counts.instances, running: rows.counts.running, pendingTasks: rows.counts.pendingTasks };
}

function pickDistinct(r: Rng, users: PlanUser[], count: number): PlanUser[] {
  const pool = [...users];
  const out: PlanUser[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(r.int(0, pool.length - 1), 1)[0]!);
  return out;
}
