import * as actions from "../../src/modules/approvals/engine/actions.js";
import { runFrom } from "../../src/modules/approvals/engine/advance.js";
import { DEFAULT_SETTINGS, firstNodeId, type FlowDefinition } from "../../src/modules/approvals/engine/definition.js";
import type { Directory } from "../../src/modules/approvals/engine/resolve.js";
import { InstanceSession } from "../../src/modules/approvals/engine/session.js";
import type { ApprovalTask, InstanceRecord, NodeRun, TimelineEvent } from "../../src/modules/approvals/engine/state.js";
import { validateDefinition } from "../../src/modules/approvals/engine/validate.js";
import type { Database } from "../../src/platform/db/index.js";
import { newId } from "../../src/platform/ids.js";
import type { Plan, PlanUser } from "./plan.js";

// Approval instances made by the engine's own code: started as
// ApprovalsService.startIn does (InstanceSession + runFrom) and decided as
// ApprovalsService.act does (actions.approve / reject / withdraw on a session per
// action), against an in-memory org directory. The resulting rows are
// bulk-inserted: what the server would have stored, without one transaction per
// action. Audit records and outbox events are left out on purpose: a backlog of
// `approval.*` events would have the relay compete with the requests being measured.
// Used by the approvals scenario (pending single-step approvals, one countersign)
// and by the tier datasets (approval history, tier-approvals.ts).

export interface PendingDecision {
  instanceId: string;
  taskId: string;
  /** User index (token) of the approver. */
  approver: number;
}

export interface SeededFlow {
  key: string;
  /** Every open task of every instance of this flow. */
  decisions: PendingDecision[];
  instances: number;
}

export interface Flow {
  id: string;
  key: string;
  def: FlowDefinition;
}

/** A notice the engine raised (approval.task.assigned, approval.finished, ...), with who acted and when. */
export interface SeededNotice {
  type: string;
  data: Record<string, unknown>;
  actorId: string | null;
  at: string;
}

const REVIEW: FlowDefinition = {
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "review", type: "approval", name: "审批 / Review", mode: "any", approvers: [{ type: "form_field", field: "approver" }] }],
};

const countersign = (approvers: string[]): FlowDefinition => ({
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "everyone", type: "approval", name: "会签 / Countersign", mode: "all", approvers: approvers.map((userId) => ({ type: "user", userId })) }],
});

/** The org directory as the plan describes it (orgDirectory's answers, from memory). */
export function planDirectory(plan: Plan, orgIndex: number): Directory {
  const org = plan.orgs[orgIndex]!;
  const byId = new Map(org.userIndexes.map((u) => [plan.users[u]!.id, plan.users[u]!]));
  const ids = (users: PlanUser[]) => users.map((u) => u.id);
  const members = org.userIndexes.map((u) => plan.users[u]!);
  const managersOf = new Map<string, string[]>();
  for (const p of org.projectIndexes.map((i) => plan.projects[i]!)) {
    managersOf.set(p.id, [...p.team].filter(([, role]) => role === "manager").map(([u]) => plan.users[u]!.id));
  }
  return {
    isMember: (userId) => Promise.resolve(byId.has(userId)),
    managerOf: (userId) => {
      const m = byId.get(userId)?.managerIndex;
      return Promise.resolve(m === undefined || m === null ? null : plan.users[m]!.id);
    },
    // Departments have no parents; a department's head is loaded as in load.ts.
    departmentHeadFor: (userId) => {
      const u = byId.get(userId);
      return Promise.resolve(u ? plan.users[org.userIndexes[u.departmentIndex % org.userIndexes.length]!]!.id : null);
    },
    membersWithRole: (role) => Promise.resolve(ids(members.filter((u) => u.role === role))),
    admins: () => Promise.resolve(ids(members.filter((u) => u.role === "owner" || u.role === "admin"))),
    projectManagers: (projectId) => Promise.resolve(managersOf.get(projectId) ?? []),
    delegatesOf: () => Promise.resolve(new Map()),
  };
}

/**
 * One instance driven through the engine: started, then acted on at later times,
 * a fresh session per action over the same runs and tasks, as the service loads
 * them under the instance lock. Keeps every row the service's save would write.
 */
export class EngineInstance {
  readonly runs: NodeRun[] = [];
  readonly tasks: ApprovalTask[] = [];
  readonly events: TimelineEvent[] = [];
  readonly notices: SeededNotice[] = [];
  /** approval_requests rows: the request ids of the actions (a start records none). */
  readonly requests: { requestId: string; action: string; at: string }[] = [];
  readonly cc: { userId: string; at: string }[] = [];

  private constructor(
    readonly instance: InstanceRecord,
    private readonly def: FlowDefinition,
    private readonly dir: Directory,
    private readonly newId: () => string,
  ) {}

  static async start(
    dir: Directory,
    flow: Flow,
    input: { orgId: string; initiatorId: string; title: string; form: Record<string, unknown>; at: string; subject?: { taskId: string; projectId: string }; picked?: Record<string, string[]>; newId?: () => string },
  ): Promise<EngineInstance> {
    const id = input.newId ?? newId;
    const instance: InstanceRecord = {
      id: id(), orgId: input.orgId, flowId: flow.id, flowKey: flow.key, flowVersion: 1, title: input.title, initiatorId: input.initiatorId, form: input.form,
      subject: input.subject ? { type: "task", id: input.subject.taskId } : null, subjectProjectId: input.subject?.projectId ?? null, picked: input.picked ?? {},
      status: "running", attempt: 1, revision: 0, lastSeq: 0, createdAt: input.at, updatedAt: input.at, finishedAt: null,
    };
    const e = new EngineInstance(instance, flow.def, dir, id);
    await e.step(input.initiatorId, input.at, "start", async (s) => {
      s.emit("instance.started", { data: { flowKey: flow.key, flowVersion: 1, title: instance.title } });
      await runFrom(s, firstNodeId(flow.def));
    });
    return e;
  }

  pending(): ApprovalTask[] {
    return this.tasks.filter((t) => t.status === "pending");
  }

  /** The user decides their pending task (approve or reject) or, as the initiator, withdraws. */
  async act(user: PlanUser, at: string, action: "approve" | "reject" | "withdraw", input: { taskId?: string; comment?: string } = {}): Promise<void> {
    const acting = { userId: user.id, orgRole: user.role };
    await this.step(user.id, at, action, (s) =>
      action === "approve" ? actions.approve(s, acting, input) : action === "reject" ? actions.reject(s, acting, input) : actions.withdraw(s, acting, input),
    );
  }

  private async step(actorId: string, at: string, action: string, apply: (s: InstanceSession) => Promise<void>): Promise<void> {
    const requestId = `bench-seed-${this.instance.id}${action === "start" ? "" : `-${this.requests.length + 1}`}`;
    const s = new InstanceSession(this.instance, this.runs, this.tasks, this.def, { now: at, actorId, requestId, dir: this.dir, newId: this.newId });
    await apply(s);
    if (action !== "start") this.requests.push({ requestId, action, at });
    this.events.push(...s.newEvents);
    // What ApprovalsService.commit adds to each notice's outbox event.
    for (const n of s.notices) this.notices.push({ type: n.type, data: { ...n.data, title: this.instance.title, initiatorId: this.instance.initiatorId, action }, actorId, at });
    for (const userId of s.ccUserIds) if (!this.cc.some((c) => c.userId === userId)) this.cc.push({ userId, at });
    // instancesRepo.save: one revision per action, updated_at = the action's time.
    this.instance.revision += 1;
    this.instance.updatedAt = at;
  }
}

const COLUMNS = {
  approval_instances:
    "id uuid, org_id uuid, flow_id uuid, flow_key text, flow_version integer, title text, initiator_id uuid, form jsonb, subject_type text, subject_id uuid, " +
    "subject_project_id uuid, picked_approvers jsonb, status text, attempt integer, revision integer, last_seq integer, created_at timestamptz, " +
    "updated_at timestamptz, finished_at timestamptz",
  approval_node_runs:
    "id uuid, instance_id uuid, org_id uuid, attempt integer, ordinal integer, node_id text, node_type text, name text, mode text, threshold jsonb, " +
    "kind text, host_run_id uuid, continue_from text, status text, invalidated boolean, cc_user_ids jsonb, note jsonb, activated_at timestamptz, " +
    "decided_at timestamptz, last_urged_at timestamptz",
  approval_tasks:
    "id uuid, instance_id uuid, run_id uuid, org_id uuid, attempt integer, assignee_id uuid, on_behalf_of uuid, position integer, status text, " +
    "origin text, blocks_task_id uuid, counts boolean, auto_reason text, comment text, decided_by uuid, decided_at timestamptz, " +
    "pending_since timestamptz, created_at timestamptz",
  approval_events: "instance_id uuid, seq integer, org_id uuid, attempt integer, type text, actor_id uuid, node_id text, task_id uuid, data jsonb, request_id text, at timestamptz",
  approval_requests: "instance_id uuid, request_id text, action text, created_at timestamptz",
  approval_cc: "instance_id uuid, user_id uuid, org_id uuid, created_at timestamptz",
} as const;

type Table = keyof typeof COLUMNS;

function insertSql(table: Table): string {
  const defs = COLUMNS[table];
  const names = defs.split(",").map((d) => d.trim().split(" ")[0]).join(", ");
  return `insert into ${table} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as x(${defs})`;
}

/** Buffers rows per table and writes them a batch at a time, parents before children. */
export class ApprovalRows {
  private readonly buffered: Record<Table, object[]> = { approval_instances: [], approval_node_runs: [], approval_tasks: [], approval_events: [], approval_requests: [], approval_cc: [] };
  readonly counts = { instances: 0, running: 0, pendingTasks: 0 };
  constructor(
    private readonly db: Database,
    private readonly batch: number,
  ) {}

  add(e: EngineInstance): void {
    const inst = e.instance;
    const orgId = inst.orgId;
    this.counts.instances++;
    if (inst.status === "running") this.counts.running++;
    this.buffered.approval_instances.push({
      id: inst.id, org_id: orgId, flow_id: inst.flowId, flow_key: inst.flowKey, flow_version: inst.flowVersion, title: inst.title,
      initiator_id: inst.initiatorId, form: inst.form, subject_type: inst.subject?.type ?? null, subject_id: inst.subject?.id ?? null,
      subject_project_id: inst.subjectProjectId, picked_approvers: inst.picked, status: inst.status, attempt: inst.attempt,
      revision: inst.revision, last_seq: inst.lastSeq, created_at: inst.createdAt, updated_at: inst.updatedAt, finished_at: inst.finishedAt,
    });
    for (const r of e.runs) {
      this.buffered.approval_node_runs.push({
        id: r.id, instance_id: inst.id, org_id: orgId, attempt: r.attempt, ordinal: r.ordinal, node_id: r.nodeId, node_type: r.nodeType, name: r.name,
        mode: r.mode, threshold: r.threshold, kind: r.kind, host_run_id: r.hostRunId, continue_from: r.continueFrom, status: r.status,
        invalidated: r.invalidated, cc_user_ids: r.ccUserIds, note: r.note, activated_at: r.activatedAt, decided_at: r.decidedAt, last_urged_at: r.lastUrgedAt,
      });
    }
    for (const t of e.tasks) {
      if (t.status === "pending") this.counts.pendingTasks++;
      this.buffered.approval_tasks.push({
        id: t.id, instance_id: inst.id, run_id: t.runId, org_id: orgId, attempt: t.attempt, assignee_id: t.assigneeId, on_behalf_of: t.onBehalfOf,
        position: t.position, status: t.status, origin: t.origin, blocks_task_id: t.blocksTaskId, counts: t.counts, auto_reason: t.autoReason,
        comment: t.comment, decided_by: t.decidedBy, decided_at: t.decidedAt, pending_since: t.pendingSince, created_at: t.createdAt,
      });
    }
    for (const ev of e.events) {
      this.buffered.approval_events.push({
        instance_id: inst.id, seq: ev.seq, org_id: orgId, attempt: ev.attempt, type: ev.type, actor_id: ev.actorId, node_id: ev.nodeId, task_id: ev.taskId,
        data: ev.data, request_id: ev.requestId, at: ev.at,
      });
    }
    for (const q of e.requests) this.buffered.approval_requests.push({ instance_id: inst.id, request_id: q.requestId, action: q.action, created_at: q.at });
    for (const c of e.cc) this.buffered.approval_cc.push({ instance_id: inst.id, user_id: c.userId, org_id: orgId, created_at: c.at });
  }

  async flushIfFull(): Promise<void> {
    if (this.buffered.approval_events.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of Object.keys(COLUMNS) as Table[]) {
      const rows = this.buffered[table].splice(0);
      for (let i = 0; i < rows.length; i += this.batch) await this.db.query(insertSql(table), [JSON.stringify(rows.slice(i, i + this.batch))]);
    }
  }
}

/** Stores version 1 of a flow, as FlowCatalog does for a new key. */
export async function insertFlow(db: Database, orgId: string, key: string, name: string, def: FlowDefinition, createdBy: string, id = newId()): Promise<Flow> {
  const errors = validateDefinition(def);
  if (errors.length > 0) throw new Error(`bench flow ${key} is invalid: ${JSON.stringify(errors)}`);
  await db.tx(async (tx) => {
    await tx.query("insert into approval_flow_keys (org_id, key, latest_version) values ($1, $2, 1)", [orgId, key]);
    await tx.query("insert into approval_flows (id, org_id, key, version, name, definition, created_by) values ($1, $2, $3, 1, $4, $5, $6)", [
      id, orgId, key, name, JSON.stringify(def), createdBy,
    ]);
  });
  return { id, key, def };
}

/** Staff (not guests) of the first org, owner first: the people who approve. */
export function approverPool(plan: Plan): PlanUser[] {
  return plan.orgs[0]!.userIndexes.map((u) => plan.users[u]!).filter((u) => u.role !== "guest");
}

/** Starts one instance in the first org, now, and queues its rows. */
async function startNow(rows: ApprovalRows, plan: Plan, flow: Flow, initiator: PlanUser, title: string, form: Record<string, unknown>) {
  const e = await EngineInstance.start(planDirectory(plan, 0), flow, { orgId: plan.orgs[0]!.id, initiatorId: initiator.id, title, form, at: new Date().toISOString() });
  rows.add(e);
  return { instance: e.instance, tasks: e.pending() };
}

/**
 * `perApprover` single-step approvals for each of `approvers` (distinct users),
 * each started by another member of the org.
 */
export async function seedReviews(db: Database, plan: Plan, approvers: PlanUser[], perApprover: number): Promise<SeededFlow> {
  const pool = approverPool(plan);
  const owner = plan.users[plan.orgs[0]!.ownerIndex]!;
  const flow = await insertFlow(db, plan.orgs[0]!.id, "bench-review", "费用报销 / Expense claim", REVIEW, owner.id);
  const rows = new ApprovalRows(db, db.kind === "postgres" ? 2000 : 1000);
  const decisions: PendingDecision[] = [];
  for (let n = 0; n < perApprover; n++) {
    for (const [a, approver] of approvers.entries()) {
      const initiator = pool[(pool.indexOf(approver) + 1 + (n % (pool.length - 1))) % pool.length]!;
      const { instance, tasks } = await startNow(rows, plan, flow, initiator, `报销 ${n + 1} / Claim ${a + 1}-${n + 1}`, { approver: approver.id, amount: 100 + n });
      if (tasks.length !== 1 || tasks[0]!.assigneeId !== approver.id) throw new Error(`bench approval ${instance.id} did not wait for its approver`);
      decisions.push({ instanceId: instance.id, taskId: tasks[0]!.id, approver: approver.index });
    }
    await rows.flushIfFull();
  }
  await rows.flush();
  return { key: flow.key, decisions, instances: perApprover * approvers.length };
}

/** One instance whose only node is an `all` (会签) node of `approvers.length` people. */
export async function seedCountersign(db: Database, plan: Plan, approvers: PlanUser[], initiator: PlanUser): Promise<SeededFlow> {
  const flow = await insertFlow(db, plan.orgs[0]!.id, "bench-countersign", "会签 / Countersign", countersign(approvers.map((u) => u.id)), initiator.id);
  const rows = new ApprovalRows(db, 1000);
  const { instance, tasks } = await startNow(rows, plan, flow, initiator, `会签 ${approvers.length} / Countersign`, {});
  await rows.flush();
  const byUser = new Map(approvers.map((u) => [u.id, u.index]));
  if (tasks.length !== approvers.length) throw new Error(`countersign instance has ${tasks.length} pending tasks, expected ${approvers.length}`);
  return { key: flow.key, instances: 1, decisions: tasks.map((t) => ({ instanceId: instance.id, taskId: t.id, approver: byUser.get(t.assigneeId)! })) };
}
