import { requiredApprovals, tally } from "./engine/complete.js";
import type { ApprovalTask, InstanceRecord, NodeRun, TimelineEvent } from "./engine/state.js";
import type { BoxRow, DelegationRow, FlowRow } from "./repository.js";

// Records -> API shapes (API.md, Approvals).

export const taskView = (t: ApprovalTask) => ({
  id: t.id,
  assigneeId: t.assigneeId,
  status: t.status,
  onBehalfOf: t.onBehalfOf,
  origin: t.origin,
  counts: t.counts,
  position: t.position,
  autoReason: t.autoReason,
  comment: t.comment,
  decidedBy: t.decidedBy,
  decidedAt: t.decidedAt,
});

function nodeView(r: NodeRun, tasks: ApprovalTask[]) {
  const mine = tasks.filter((t) => t.runId === r.id);
  return {
    id: r.nodeId,
    runId: r.id,
    name: r.name,
    type: r.nodeType,
    mode: r.mode,
    attempt: r.attempt,
    status: r.status,
    invalidated: r.invalidated,
    reason: typeof r.note.reason === "string" ? r.note.reason : null,
    required: r.nodeType === "approval" && r.mode ? requiredApprovals(r.mode, r.threshold, tally(mine).n) : null,
    activatedAt: r.activatedAt,
    decidedAt: r.decidedAt,
    ccUserIds: r.ccUserIds,
    tasks: mine.map(taskView),
  };
}

export const eventView = (e: TimelineEvent) => ({
  seq: e.seq,
  attempt: e.attempt,
  type: e.type,
  actorId: e.actorId,
  nodeId: e.nodeId,
  taskId: e.taskId,
  at: e.at,
  data: e.data,
});

/** `nodes` lists the runs activated so far, in activation order, every attempt included. */
export function instanceView(i: InstanceRecord, runs: NodeRun[], tasks: ApprovalTask[], events: TimelineEvent[]) {
  return {
    id: i.id,
    orgId: i.orgId,
    flowKey: i.flowKey,
    flowVersion: i.flowVersion,
    title: i.title,
    status: i.status,
    attempt: i.attempt,
    revision: i.revision,
    initiatorId: i.initiatorId,
    form: i.form,
    subject: i.subject,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    finishedAt: i.finishedAt,
    nodes: [...runs].sort((a, b) => a.ordinal - b.ordinal).map((r) => nodeView(r, tasks)),
    timeline: events.map(eventView),
  };
}

export type InstanceView = ReturnType<typeof instanceView>;

export const flowView = (f: FlowRow) => ({
  id: f.id,
  orgId: f.org_id,
  key: f.key,
  version: f.version,
  latestVersion: f.latest_version,
  name: f.name,
  settings: f.definition.settings,
  nodes: f.definition.nodes,
  archived: f.archived_at !== null,
  archivedAt: f.archived_at,
  createdBy: f.created_by,
  createdAt: f.created_at,
});

export const boxItemView = (r: BoxRow) => ({
  id: r.id,
  orgId: r.org_id,
  flowKey: r.flow_key,
  flowVersion: r.flow_version,
  title: r.title,
  status: r.status,
  attempt: r.attempt,
  initiatorId: r.initiator_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  task: r.task_id ? { id: r.task_id, nodeId: r.node_id, status: r.task_status, onBehalfOf: r.on_behalf_of, decidedAt: r.decided_at } : null,
});

export const delegationView = (d: DelegationRow, now: string) => ({
  orgId: d.org_id,
  userId: d.user_id,
  delegateId: d.delegate_id,
  startsAt: d.starts_at,
  endsAt: d.ends_at,
  active: d.starts_at <= now && now < d.ends_at,
});
