import { runFrom } from "../../src/modules/approvals/engine/advance.js";
import { firstNodeId, type FlowDefinition } from "../../src/modules/approvals/engine/definition.js";
import type { Directory } from "../../src/modules/approvals/engine/resolve.js";
import { InstanceSession } from "../../src/modules/approvals/engine/session.js";
import type { ApprovalTask, InstanceRecord, NodeRun, TimelineEvent } from "../../src/modules/approvals/engine/state.js";
import { validateDefinition } from "../../src/modules/approvals/engine/validate.js";
import { DEFAULT_SETTINGS } from "../../src/modules/approvals/engine/definition.js";
import type { Database } from "../../src/platform/db/index.js";
import { newId } from "../../src/platform/ids.js";
import type { Plan, PlanUser } from "./plan.js";

// Pending approvals for the approvals scenario. Each instance is started by the
// engine's own code (InstanceSession + runFrom, as ApprovalsService.startIn does)
// against an in-memory org directory, and the resulting rows are bulk-inserted:
// what a POST /orgs/{id}/approvals would have stored, without one transaction
// per instance. Their audit records and outbox events are left out on purpose:
// a backlog of 40,000 `approval.created` events would have the relay compete with
// the decisions being measured.

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

const REVIEW: FlowDefinition = {
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "review", type: "approval", name: "审批 / Review", mode: "any", approvers: [{ type: "form_field", field: "approver" }] }],
};

const countersign = (approvers: string[]): FlowDefinition => ({
  settings: DEFAULT_SETTINGS,
  nodes: [{ id: "everyone", type: "approval", name: "会签 / Countersign", mode: "all", approvers: approvers.map((userId) => ({ type: "user", userId })) }],
});

/** The org directory as the plan describes it; only what these flows' rules ask. */
function planDirectory(plan: Plan, orgIndex: number): Directory {
  const members = new Set(plan.orgs[orgIndex]!.userIndexes.map((u) => plan.users[u]!.id));
  return {
    isMember: (userId) => Promise.resolve(members.has(userId)),
    managerOf: () => Promise.resolve(null),
    departmentHeadFor: () => Promise.resolve(null),
    membersWithRole: () => Promise.resolve([]),
    admins: () => Promise.resolve([plan.users[plan.orgs[orgIndex]!.ownerIndex]!.id]),
    projectManagers: () => Promise.resolve([]),
    delegatesOf: () => Promise.resolve(new Map()),
  };
}

const COLUMNS = {
  approval_instances:
    "id uuid, org_id uuid, flow_id uuid, flow_key text, flow_version integer, title text, initiator_id uuid, form jsonb, picked_approvers jsonb, " +
    "status text, attempt integer, revision integer, last_seq integer, created_at timestamptz, updated_at timestamptz",
  approval_node_runs:
    "id uuid, instance_id uuid, org_id uuid, attempt integer, ordinal integer, node_id text, node_type text, name text, mode text, threshold jsonb, " +
    "kind text, host_run_id uuid, continue_from text, status text, invalidated boolean, cc_user_ids jsonb, note jsonb, activated_at timestamptz, " +
    "decided_at timestamptz, last_urged_at timestamptz",
  approval_tasks:
    "id uuid, instance_id uuid, run_id uuid, org_id uuid, attempt integer, assignee_id uuid, on_behalf_of uuid, position integer, status text, " +
    "origin text, blocks_task_id uuid, counts boolean, auto_reason text, comment text, decided_by uuid, decided_at timestamptz, " +
    "pending_since timestamptz, created_at timestamptz",
  approval_events: "instance_id uuid, seq integer, org_id uuid, attempt integer, type text, actor_id uuid, node_id text, task_id uuid, data jsonb, request_id text, at timestamptz",
} as const;

type Table = keyof typeof COLUMNS;

function insertSql(table: Table): string {
  const defs = COLUMNS[table];
  const names = defs.split(",").map((d) => d.trim().split(" ")[0]).join(", ");
  return `insert into ${table} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as x(${defs})`;
}

/** Buffers rows per table and writes them a batch at a time, parents before children. */
class Rows {
  private readonly buffered: Record<Table, object[]> = { approval_instances: [], approval_node_runs: [], approval_tasks: [], approval_events: [] };
  constructor(
    private readonly db: Database,
    private readonly batch: number,
  ) {}

  add(orgId: string, inst: InstanceRecord, runs: NodeRun[], tasks: ApprovalTask[], events: TimelineEvent[]): void {
    this.buffered.approval_instances.push({
      id: inst.id, org_id: orgId, flow_id: inst.flowId, flow_key: inst.flowKey, flow_version: inst.flowVersion, title: inst.title,
      initiator_id: inst.initiatorId, form: inst.form, picked_approvers: inst.picked, status: inst.status, attempt: inst.attempt,
      // The revision and last_seq instancesRepo.save leaves after a start.
      revision: 1, last_seq: inst.lastSeq, created_at: inst.createdAt, updated_at: inst.updatedAt,
    });
    for (const r of runs) {
      this.buffered.approval_node_runs.push({
        id: r.id, instance_id: inst.id, org_id: orgId, attempt: r.attempt, ordinal: r.ordinal, node_id: r.nodeId, node_type: r.nodeType, name: r.name,
        mode: r.mode, threshold: r.threshold, kind: r.kind, host_run_id: r.hostRunId, continue_from: r.continueFrom, status: r.status,
        invalidated: r.invalidated, cc_user_ids: r.ccUserIds, note: r.note, activated_at: r.activatedAt, decided_at: r.decidedAt, last_urged_at: r.lastUrgedAt,
      });
    }
    for (const t of tasks) {
      this.buffered.approval_tasks.push({
        id: t.id, instance_id: inst.id, run_id: t.runId, org_id: orgId, attempt: t.attempt, assignee_id: t.assigneeId, on_behalf_of: t.onBehalfOf,
        position: t.position, status: t.status, origin: t.origin, blocks_task_id: t.blocksTaskId, counts: t.counts, auto_reason: t.autoReason,
        comment: t.comment, decided_by: t.decidedBy, decided_at: t.decidedAt, pending_since: t.pendingSince, created_at: t.createdAt,
      });
    }
    for (const e of events) {
      this.buffered.approval_events.push({
        instance_id: inst.id, seq: e.seq, org_id: orgId, attempt: e.attempt, type: e.type, actor_id: e.actorId, node_id: e.nodeId, task_id: e.taskId,
        data: e.data, request_id: e.requestId, at: e.at,
      });
    }
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

async function insertFlow(db: Database, orgId: string, key: string, name: string, def: FlowDefinition, createdBy: string): Promise<string> {
  const errors = validateDefinition(def);
  if (errors.length > 0) throw new Error(`bench flow ${key} is invalid: ${JSON.stringify(errors)}`);
  const id = newId();
  await db.tx(async (tx) => {
    await tx.query("insert into approval_flow_keys (org_id, key, latest_version) values ($1, $2, 1)", [orgId, key]);
    await tx.query("insert into approval_flows (id, org_id, key, version, name, definition, created_by) values ($1, $2, $3, 1, $4, $5, $6)", [
      id, orgId, key, name, JSON.stringify(def), createdBy,
    ]);
  });
  return id;
}

/** Staff (not guests) of the first org, owner first: the people who approve. */
export function approverPool(plan: Plan): PlanUser[] {
  return plan.orgs[0]!.userIndexes.map((u) => plan.users[u]!).filter((u) => u.role !== "guest");
}

/** Starts one instance through the engine and queues its rows. */
async function startOne(rows: Rows, plan: Plan, flow: { id: string; key: string; def: FlowDefinition }, initiator: PlanUser, title: string, form: Record<string, unknown>) {
  const org = plan.orgs[0]!;
  const now = new Date().toISOString();
  const instance: InstanceRecord = {
    id: newId(), orgId: org.id, flowId: flow.id, flowKey: flow.key, flowVersion: 1, title, initiatorId: initiator.id, form, subject: null,
    subjectProjectId: null, picked: {}, status: "running", attempt: 1, revision: 0, lastSeq: 0, createdAt: now, updatedAt: now, finishedAt: null,
  };
  const s = new InstanceSession(instance, [], [], flow.def, { now, actorId: initiator.id, requestId: `bench-seed-${instance.id}`, dir: planDirectory(plan, 0), newId });
  s.emit("instance.started", { data: { flowKey: flow.key, flowVersion: 1, title } });
  await runFrom(s, firstNodeId(flow.def));
  rows.add(org.id, instance, s.runs, s.tasks, s.newEvents);
  return { instance, tasks: s.tasks.filter((t) => t.status === "pending") };
}

/**
 * `perApprover` single-step approvals for each of `approvers` (distinct users),
 * each started by another member of the org.
 */
export async function seedReviews(db: Database, plan: Plan, approvers: PlanUser[], perApprover: number): Promise<SeededFlow> {
  const pool = approverPool(plan);
  const owner = plan.users[plan.orgs[0]!.ownerIndex]!;
  const key = "bench-review";
  const flow = { id: await insertFlow(db, plan.orgs[0]!.id, key, "费用报销 / Expense claim", REVIEW, owner.id), key, def: REVIEW };
  const rows = new Rows(db, db.kind === "postgres" ? 2000 : 1000);
  const decisions: PendingDecision[] = [];
  for (let n = 0; n < perApprover; n++) {
    for (const [a, approver] of approvers.entries()) {
      const initiator = pool[(pool.indexOf(approver) + 1 + (n % (pool.length - 1))) % pool.length]!;
      const { instance, tasks } = await startOne(rows, plan, flow, initiator, `报销 ${n + 1} / Claim ${a + 1}-${n + 1}`, { approver: approver.id, amount: 100 + n });
      if (tasks.length !== 1 || tasks[0]!.assigneeId !== approver.id) throw new Error(`bench approval ${instance.id} did not wait for its approver`);
      decisions.push({ instanceId: instance.id, taskId: tasks[0]!.id, approver: approver.index });
    }
    await rows.flushIfFull();
  }
  await rows.flush();
  return { key, decisions, instances: perApprover * approvers.length };
}

/** One instance whose only node is an `all` (会签) node of `approvers.length` people. */
export async function seedCountersign(db: Database, plan: Plan, approvers: PlanUser[], initiator: PlanUser): Promise<SeededFlow> {
  const key = "bench-countersign";
  const def = countersign(approvers.map((u) => u.id));
  const flow = { id: await insertFlow(db, plan.orgs[0]!.id, key, "会签 / Countersign", def, initiator.id), key, def };
  const rows = new Rows(db, 1000);
  const { instance, tasks } = await startOne(rows, plan, flow, initiator, `会签 ${approvers.length} / Countersign`, {});
  await rows.flush();
  const byUser = new Map(approvers.map((u) => [u.id, u.index]));
  if (tasks.length !== approvers.length) throw new Error(`countersign instance has ${tasks.length} pending tasks, expected ${approvers.length}`);
  return { key, instances: 1, decisions: tasks.map((t) => ({ instanceId: instance.id, taskId: t.id, approver: byUser.get(t.assigneeId)! })) };
}
