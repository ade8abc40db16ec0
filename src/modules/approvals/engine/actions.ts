import { DomainError, forbidden, invalid, notFound } from "../../../platform/errors.js";
import { atLeast, type OrgRole } from "../../orgs/policy.js";
import { cancelOpenWork, decideRun, finish, openTask, rejectFlow, runFrom, settleRun } from "./advance.js";
import { firstNodeId } from "./definition.js";
import type { InstanceSession } from "./session.js";
import type { ApprovalTask, NodeRun, TaskOrigin } from "./state.js";

// The actions of APPROVALS.md, applied to a locked, loaded instance. Each checks who
// may act and on what, then changes the session; the service persists it.

export interface Acting {
  userId: string;
  orgRole: OrgRole;
}

export type SignerPosition = "before" | "after" | "parallel";

const URGE_INTERVAL_SECONDS = 3600;

/** A handed-on task keeps an escalation's power to decide the node alone. */
const handedOn = (t: ApprovalTask, how: "transfer" | "reassign"): TaskOrigin => (t.origin === "escalate" ? "escalate" : how);

const alreadyDecided = (t: ApprovalTask) => new DomainError("task_already_decided", `This task is already ${t.status}`);
const notRunning = (s: InstanceSession) => new DomainError("approval_not_running", `The approval is ${s.instance.status}`);

/** The actor's pending task: the one named, or their only pending task on the instance. */
function myPendingTask(s: InstanceSession, actor: Acting, taskId: string | undefined): { task: ApprovalTask; run: NodeRun } {
  let task: ApprovalTask | undefined;
  if (taskId !== undefined) {
    task = s.tasks.find((t) => t.id === taskId);
    if (!task) throw notFound("Approval task");
    if (task.assigneeId !== actor.userId) throw forbidden("Only the task's assignee can act on it");
  } else {
    const mine = s.tasks.filter((t) => t.assigneeId === actor.userId);
    if (mine.length === 0) throw forbidden("You hold no task on this approval");
    const pending = mine.filter((t) => t.status === "pending");
    if (pending.length > 1) throw invalid("body.taskId", "you hold several pending tasks here; name one");
    task = pending[0] ?? mine.find((t) => t.status === "waiting") ?? mine[mine.length - 1]!;
  }
  if (task.status === "waiting") throw new DomainError("conflict", "This task is not open yet: earlier approvers decide first");
  if (task.status !== "pending") throw alreadyDecided(task);
  const run = s.run(task.runId)!;
  return { task, run };
}

/** The user may take a task on the run: an org member without a live task there. */
async function assertCanHold(s: InstanceSession, run: NodeRun | undefined, userId: string, path: string): Promise<void> {
  if (!(await s.ctx.dir.isMember(userId))) {
    throw new DomainError("not_org_member", "Approvers must be members of the organization", { errors: [{ path, message: "is not a member of this organization" }] });
  }
  if (run && s.holdsTask(run.id, userId)) {
    throw new DomainError("unprocessable", "That user already holds a task on this node", { errors: [{ path, message: "already holds a task on this node" }] });
  }
}

export async function approve(s: InstanceSession, actor: Acting, input: { taskId?: string; comment?: string }): Promise<void> {
  const { task, run } = myPendingTask(s, actor, input.taskId);
  s.closeTask(task, "approved", actor.userId, { comment: input.comment ?? null });
  s.emit("task.approved", { nodeId: run.nodeId, taskId: task.id, data: { comment: input.comment ?? null, onBehalfOf: task.onBehalfOf } });
  if (task.blocksTaskId) {
    // A signer added "before": once all of them approved, the host task is pending again.
    const host = s.tasks.find((t) => t.id === task.blocksTaskId)!;
    const still = s.tasks.some((t) => t.blocksTaskId === host.id && (t.status === "pending" || t.status === "waiting"));
    if (!still && host.status === "waiting") openTask(s, host, run.nodeId);
    return;
  }
  await settleRun(s, run);
}

export async function reject(s: InstanceSession, actor: Acting, input: { taskId?: string; comment?: string }): Promise<void> {
  const { task, run } = myPendingTask(s, actor, input.taskId);
  s.closeTask(task, "rejected", actor.userId, { comment: input.comment ?? null });
  s.emit("task.rejected", { nodeId: run.nodeId, taskId: task.id, data: { comment: input.comment ?? null, onBehalfOf: task.onBehalfOf } });
  // An added "before" signer decides in the host's place: their rejection is the host's,
  // up the chain when signers were added before an added signer.
  for (let blocker = task; blocker.blocksTaskId; ) {
    const host = s.tasks.find((t) => t.id === blocker.blocksTaskId)!;
    for (const t of s.tasks.filter((x) => x.blocksTaskId === host.id && (x.status === "pending" || x.status === "waiting"))) s.closeTask(t, "canceled", null);
    if (host.status !== "waiting") break;
    s.closeTask(host, "rejected", actor.userId, { comment: input.comment ?? null });
    s.emit("task.rejected", { nodeId: run.nodeId, taskId: host.id, data: { reason: "added_signer_rejected", byTaskId: blocker.id } });
    blocker = host;
  }
  await settleRun(s, run);
}

export async function transfer(s: InstanceSession, actor: Acting, input: { taskId?: string; toUserId: string; comment?: string }): Promise<void> {
  const { task, run } = myPendingTask(s, actor, input.taskId);
  if (input.toUserId === actor.userId) throw invalid("body.toUserId", "is already the assignee");
  if (input.toUserId === s.instance.initiatorId && s.def.settings.selfApproval === "auto_pass") {
    throw new DomainError("unprocessable", "This flow auto-approves the initiator, so the task cannot go to them", {
      errors: [{ path: "body.toUserId", message: "is the initiator, whom this flow auto-approves" }],
    });
  }
  await assertCanHold(s, run, input.toUserId, "body.toUserId");
  s.closeTask(task, "transferred", actor.userId, { comment: input.comment ?? null });
  const next = s.addTask({ runId: run.id, assigneeId: input.toUserId, onBehalfOf: null, position: task.position, status: "pending", origin: handedOn(task, "transfer"), blocksTaskId: task.blocksTaskId, counts: task.counts });
  s.emit("task.transferred", { nodeId: run.nodeId, taskId: task.id, data: { newTaskId: next.id, fromUserId: actor.userId, toUserId: input.toUserId, comment: input.comment ?? null } });
  s.notify("approval.task.assigned", { nodeId: run.nodeId, tasks: [{ taskId: next.id, assigneeId: next.assigneeId, onBehalfOf: null }] });
}

export async function addSigners(s: InstanceSession, actor: Acting, input: { taskId?: string; userIds: string[]; position: SignerPosition; comment?: string }): Promise<void> {
  const { task, run } = myPendingTask(s, actor, input.taskId);
  const userIds = [...new Set(input.userIds)];
  // "after" signers form their own step after the node; the others join the node.
  const pendingStep = s.runs.find((r) => r.hostRunId === run.id && r.status === "pending");
  for (const [i, u] of userIds.entries()) {
    if (u === actor.userId) throw invalid(`body.userIds.${i}`, "is you");
    await assertCanHold(s, input.position === "after" ? pendingStep : run, u, `body.userIds.${i}`);
  }
  const added: ApprovalTask[] = [];
  const common = { onBehalfOf: null, blocksTaskId: null, counts: true };
  switch (input.position) {
    case "before":
      s.setTask(task, { status: "waiting", pendingSince: null });
      for (const u of userIds) added.push(s.addTask({ ...common, runId: run.id, assigneeId: u, position: task.position, status: "pending", origin: "add_before", blocksTaskId: task.id, counts: false }));
      break;
    case "parallel": {
      let position = s.tasksOf(run.id).reduce((m, t) => Math.max(m, t.position), 0);
      const status = run.mode === "sequential" ? "waiting" : "pending";
      for (const u of userIds) added.push(s.addTask({ ...common, runId: run.id, assigneeId: u, position: ++position, status, origin: "add_parallel" }));
      break;
    }
    case "after": {
      let step = pendingStep;
      if (!step) {
        const k = s.currentRuns().filter((r) => r.kind === "added_after" && r.continueFrom === run.continueFrom).length + 1;
        step = s.addRun({
          nodeId: `${run.continueFrom}:after${k}`,
          name: null,
          nodeType: "approval",
          mode: "all",
          threshold: null,
          kind: "added_after",
          hostRunId: run.id,
          continueFrom: run.continueFrom,
          status: "pending",
          ccUserIds: [],
          note: { addedBy: actor.userId },
          activatedAt: null,
        });
      }
      let position = s.tasksOf(step.id).length;
      for (const u of userIds) added.push(s.addTask({ ...common, runId: step.id, assigneeId: u, position: position++, status: "waiting", origin: "add_after" }));
      break;
    }
  }
  s.emit("signer.added", { nodeId: run.nodeId, taskId: task.id, data: { position: input.position, userIds, taskIds: added.map((t) => t.id), comment: input.comment ?? null } });
  const pending = added.filter((t) => t.status === "pending");
  if (pending.length > 0) s.notify("approval.task.assigned", { nodeId: run.nodeId, tasks: pending.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, onBehalfOf: null })) });
  if (input.position === "after") {
    // "after": my task is approved now; the added signers form the step after this node.
    s.closeTask(task, "approved", actor.userId, { comment: input.comment ?? null });
    s.emit("task.approved", { nodeId: run.nodeId, taskId: task.id, data: { comment: input.comment ?? null, onBehalfOf: task.onBehalfOf } });
    await settleRun(s, run);
  }
}

export async function returnTo(s: InstanceSession, actor: Acting, input: { taskId?: string; toNodeId?: string; comment?: string }): Promise<void> {
  const { task, run } = myPendingTask(s, actor, input.taskId);
  const target = input.toNodeId ?? "start";
  if (target === "start") {
    cancelOpenWork(s);
    s.instance.status = "returned";
    s.emit("instance.returned", { nodeId: run.nodeId, taskId: task.id, data: { to: "start", comment: input.comment ?? null, attempt: s.instance.attempt } });
    s.notify("approval.returned", { status: "returned", initiatorId: s.instance.initiatorId });
    return;
  }
  const targetRun = s
    .currentRuns()
    .filter((r) => r.nodeId === target && r.kind === "node" && r.nodeType === "approval" && r.status === "approved" && !r.invalidated)
    .sort((a, b) => b.ordinal - a.ordinal)[0];
  if (!targetRun) throw invalid("body.toNodeId", "must be start or an approval node already approved in this attempt");
  cancelOpenWork(s);
  // Approvals from the target on stop counting; the flow runs again from there.
  for (const r of s.currentRuns()) if (r.ordinal >= targetRun.ordinal && !r.invalidated) s.setRun(r, { invalidated: true });
  s.emit("instance.returned_to_node", { nodeId: run.nodeId, taskId: task.id, data: { to: target, comment: input.comment ?? null } });
  await runFrom(s, target);
}

export async function withdraw(s: InstanceSession, actor: Acting, input: { comment?: string }): Promise<void> {
  if (actor.userId !== s.instance.initiatorId) throw forbidden("Only the initiator can withdraw an approval");
  if (s.instance.status !== "running" && s.instance.status !== "returned") throw notRunning(s);
  finish(s, "withdrawn", { comment: input.comment ?? null });
}

export async function resubmit(s: InstanceSession, actor: Acting, input: { form?: Record<string, unknown>; comment?: string }): Promise<void> {
  if (actor.userId !== s.instance.initiatorId) throw forbidden("Only the initiator can resubmit an approval");
  if (s.instance.status !== "returned") throw new DomainError("approval_not_running", `Only a returned approval can be resubmitted; this one is ${s.instance.status}`);
  s.instance.attempt += 1;
  s.instance.status = "running";
  if (input.form) s.instance.form = input.form;
  s.emit("instance.resubmitted", { data: { attempt: s.instance.attempt, comment: input.comment ?? null, formChanged: input.form !== undefined } });
  await runFrom(s, firstNodeId(s.def));
}

export function urge(s: InstanceSession, actor: Acting): void {
  if (actor.userId !== s.instance.initiatorId) throw forbidden("Only the initiator can urge approvers");
  const run = s.activeRun();
  if (s.instance.status !== "running" || !run) throw notRunning(s);
  if (run.lastUrgedAt) {
    const wait = URGE_INTERVAL_SECONDS - Math.floor((Date.parse(s.now) - Date.parse(run.lastUrgedAt)) / 1000);
    if (wait > 0) throw new DomainError("rate_limited", "Approvers of this node were urged less than an hour ago", { headers: { "retry-after": String(wait) } });
  }
  s.setRun(run, { lastUrgedAt: s.now });
  const userIds = s.openTasks(run.id).filter((t) => t.status === "pending").map((t) => t.assigneeId);
  s.emit("urged", { nodeId: run.nodeId, data: { userIds } });
  s.notify("approval.urged", { nodeId: run.nodeId, userIds });
}

export function comment(s: InstanceSession, _actor: Acting, input: { comment?: string }): void {
  const text = input.comment?.trim();
  if (!text) throw invalid("body.comment", "must not be blank");
  s.emit("commented", { data: { comment: text } });
  s.notify("approval.commented", { comment: text });
}

/** An org admin moves an open task to someone else (e.g. the approver left). */
export async function reassign(s: InstanceSession, actor: Acting, input: { taskId?: string; toUserId?: string; comment?: string }): Promise<void> {
  if (!atLeast(actor.orgRole, "admin")) throw forbidden("Only organization admins can reassign approval tasks");
  if (!input.taskId) throw invalid("body.taskId", "is required for reassign");
  if (!input.toUserId) throw invalid("body.toUserId", "is required for reassign");
  const task = s.tasks.find((t) => t.id === input.taskId);
  if (!task) throw notFound("Approval task");
  if (task.status !== "pending" && task.status !== "waiting") throw alreadyDecided(task);
  const run = s.run(task.runId)!;
  if (input.toUserId === task.assigneeId) throw invalid("body.toUserId", "is already the assignee");
  await assertCanHold(s, run, input.toUserId, "body.toUserId");
  const status = task.status;
  s.closeTask(task, "transferred", actor.userId, { comment: input.comment ?? null });
  const next = s.addTask({ runId: run.id, assigneeId: input.toUserId, onBehalfOf: null, position: task.position, status, origin: handedOn(task, "reassign"), blocksTaskId: task.blocksTaskId, counts: task.counts });
  for (const t of s.tasks.filter((x) => x.blocksTaskId === task.id)) s.setTask(t, { blocksTaskId: next.id });
  s.emit("task.reassigned", { nodeId: run.nodeId, taskId: task.id, data: { newTaskId: next.id, fromUserId: task.assigneeId, toUserId: input.toUserId, comment: input.comment ?? null } });
  if (status === "pending") s.notify("approval.task.assigned", { nodeId: run.nodeId, tasks: [{ taskId: next.id, assigneeId: next.assigneeId, onBehalfOf: null }] });
}

/** Applies a node timeout; a no-op when the node was already decided. Returns what happened. */
export async function applyTimeout(s: InstanceSession, runId: string, action: string): Promise<string> {
  const run = s.run(runId);
  if (!run || run.status !== "active" || s.instance.status !== "running") return "noop";
  const open = s.openTasks(run.id);
  switch (action) {
    case "remind": {
      const userIds = open.filter((t) => t.status === "pending").map((t) => t.assigneeId);
      s.emit("timeout.fired", { nodeId: run.nodeId, actorId: null, data: { action, userIds } });
      s.notify("approval.reminded", { nodeId: run.nodeId, userIds });
      return "reminded";
    }
    case "auto_approve":
      s.emit("timeout.fired", { nodeId: run.nodeId, actorId: null, data: { action } });
      for (const t of open) {
        if (!t.counts) {
          s.closeTask(t, "canceled", null);
          continue;
        }
        s.closeTask(t, "auto_approved", null, { autoReason: "timeout" });
        s.emit("task.auto_approved", { nodeId: run.nodeId, taskId: t.id, actorId: null, data: { assigneeId: t.assigneeId, reason: "timeout" } });
      }
      await settleRun(s, run);
      return "auto_approved";
    case "auto_reject":
      s.emit("timeout.fired", { nodeId: run.nodeId, actorId: null, data: { action } });
      decideRun(s, run, "rejected", "timeout");
      rejectFlow(s, run);
      return "auto_rejected";
    case "escalate": {
      const admins = (await s.ctx.dir.admins()).filter((u) => !s.holdsTask(run.id, u));
      const added = admins.map((u, i) =>
        s.addTask({ runId: run.id, assigneeId: u, onBehalfOf: null, position: 1000 + i, status: "pending", origin: "escalate", blocksTaskId: null, counts: false }),
      );
      s.emit("timeout.fired", { nodeId: run.nodeId, actorId: null, data: { action, userIds: admins, taskIds: added.map((t) => t.id) } });
      if (added.length > 0) s.notify("approval.task.assigned", { nodeId: run.nodeId, tasks: added.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, onBehalfOf: null })) });
      return "escalated";
    }
    default:
      return "noop";
  }
}
