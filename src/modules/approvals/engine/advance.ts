import { chooseBranch } from "./branch.js";
import { nextSequentialSlot, nodeOutcome, requiredApprovals, tally } from "./complete.js";
import { END, nodeById, successorOf, type ApprovalNode } from "./definition.js";
import { planSlots, resolveRules, type PlannedSlot, type ResolveContext } from "./resolve.js";
import type { InstanceSession } from "./session.js";
import { isApproval, type ApprovalTask, type InstanceStatus, type NodeRun, type TaskOrigin } from "./state.js";

// Moving an instance forward: activating nodes (branches, cc, approver resolution,
// the auto-approval cascade), deciding node runs and finishing the instance.
// Everything happens on the in-memory session, inside the caller's transaction.

const resolveContext = (s: InstanceSession, nodeId: string): ResolveContext => ({
  nodeId,
  initiatorId: s.instance.initiatorId,
  form: s.instance.form,
  picked: s.instance.picked,
  subjectProjectId: s.instance.subjectProjectId,
});

/** Approvers (and delegators) of counted runs of this attempt, for dedupe. */
function approversOf(s: InstanceSession, runs: NodeRun[]): Set<string> {
  const ids = new Set<string>();
  for (const r of runs) {
    for (const t of s.tasksOf(r.id)) {
      if (!isApproval(t)) continue;
      ids.add(t.assigneeId);
      if (t.onBehalfOf) ids.add(t.onBehalfOf);
    }
  }
  return ids;
}

function planContext(s: InstanceSession) {
  const approved = s.currentRuns().filter((r) => r.nodeType === "approval" && !r.invalidated && r.status === "approved");
  const previous = approved.sort((a, b) => b.ordinal - a.ordinal)[0];
  return {
    initiatorId: s.instance.initiatorId,
    previousApprovers: previous ? approversOf(s, [previous]) : new Set<string>(),
    attemptApprovers: approversOf(s, approved),
    now: s.now,
  };
}

/** Walks the graph from nodeId until a node waits for people or the flow ends. */
export async function runFrom(s: InstanceSession, startId: string): Promise<void> {
  let nodeId = startId;
  for (let guard = 0; guard <= s.def.nodes.length + 1; guard++) {
    if (nodeId === END) {
      finish(s, "approved");
      return;
    }
    const node = nodeById(s.def, nodeId);
    if (!node) throw new Error(`approval flow ${s.instance.flowKey} v${s.instance.flowVersion} has no node "${nodeId}"`);
    const base = { nodeId: node.id, name: node.name ?? null, kind: "node" as const, hostRunId: null, continueFrom: node.id, activatedAt: s.now };
    switch (node.type) {
      case "branch": {
        const choice = chooseBranch(node, s.instance.form);
        s.addRun({ ...base, nodeType: "branch", mode: null, threshold: null, status: "approved", decidedAt: s.now, ccUserIds: [], note: { matched: choice.matched, next: choice.next } });
        s.emit("branch.evaluated", { nodeId: node.id, actorId: null, data: { matched: choice.matched, next: choice.next } });
        nodeId = choice.next;
        continue;
      }
      case "cc": {
        const users = await resolveRules(node.approvers, resolveContext(s, node.id), s.ctx.dir);
        s.addRun({ ...base, nodeType: "cc", mode: null, threshold: null, status: "approved", decidedAt: s.now, ccUserIds: users, note: {} });
        s.ccUserIds.push(...users.filter((u) => !s.ccUserIds.includes(u)));
        s.emit("cc.sent", { nodeId: node.id, actorId: null, data: { userIds: users } });
        if (users.length > 0) s.notify("approval.cc", { nodeId: node.id, userIds: users });
        nodeId = successorOf(s.def, node.id);
        continue;
      }
      case "approval": {
        const run = await activateApproval(s, node);
        if (run.status === "active") return;
        if (run.status === "rejected") {
          rejectFlow(s, run);
          return;
        }
        nodeId = successorOf(s.def, node.id);
        continue;
      }
    }
  }
  throw new Error(`approval flow ${s.instance.flowKey} did not reach an end`);
}

async function activateApproval(s: InstanceSession, node: ApprovalNode): Promise<NodeRun> {
  const settings = s.def.settings;
  const dir = s.ctx.dir;
  const plan = planContext(s);
  let slots: PlannedSlot[] = await planSlots(await resolveRules(node.approvers, resolveContext(s, node.id), dir), settings, plan, dir);
  let origin: TaskOrigin = "resolved";
  const base = {
    nodeId: node.id,
    name: node.name ?? null,
    nodeType: "approval" as const,
    mode: node.mode,
    threshold: node.threshold ?? null,
    kind: "node" as const,
    hostRunId: null,
    continueFrom: node.id,
    ccUserIds: [],
    activatedAt: s.now,
  };
  if (slots.length === 0 && settings.emptyApprovers === "admin") {
    slots = await planSlots(await dir.admins(), settings, plan, dir);
    origin = "admin_fallback";
  }
  if (slots.length === 0) {
    // emptyApprovers auto_pass skips the node; auto_reject rejects it (admin found nobody: skip).
    const rejected = settings.emptyApprovers === "auto_reject";
    const run = s.addRun({ ...base, status: rejected ? "rejected" : "skipped", decidedAt: s.now, note: { reason: "no_approvers" } });
    s.emit(rejected ? "node.rejected" : "node.skipped", { nodeId: node.id, actorId: null, data: { runId: run.id, reason: "no_approvers" } });
    return run;
  }
  const run = s.addRun({ ...base, status: "active", note: origin === "admin_fallback" ? { fallback: "admin" } : {} });
  const tasks = slots.map((slot, position) =>
    s.addTask({
      runId: run.id,
      assigneeId: slot.assigneeId,
      onBehalfOf: slot.onBehalfOf,
      position,
      status: slot.auto ? "auto_approved" : "waiting",
      origin,
      blocksTaskId: null,
      counts: true,
      ...(slot.auto ? { autoReason: slot.auto, decidedAt: s.now } : {}),
    }),
  );
  const outcome = nodeOutcome(node.mode, run.threshold, tasks);
  if (outcome === "open") openSlots(s, run, tasks);
  s.emit("node.activated", {
    nodeId: node.id,
    actorId: null,
    data: {
      runId: run.id,
      mode: node.mode,
      n: tasks.length,
      required: requiredApprovals(node.mode, run.threshold, tasks.length),
      tasks: tasks.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, onBehalfOf: t.onBehalfOf, status: t.status })),
    },
  });
  for (const t of tasks.filter((x) => x.status === "auto_approved")) {
    s.emit("task.auto_approved", { nodeId: node.id, taskId: t.id, actorId: null, data: { assigneeId: t.assigneeId, reason: t.autoReason } });
  }
  const pending = tasks.filter((t) => t.status === "pending");
  if (pending.length > 0) s.notify("approval.task.assigned", { nodeId: node.id, tasks: pending.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, onBehalfOf: t.onBehalfOf })) });
  if (outcome !== "open") {
    decideRun(s, run, outcome, "auto");
    return run;
  }
  if (node.timeout) {
    s.timeouts.push({ id: s.ctx.newId(), runId: run.id, action: node.timeout.action, dueAt: new Date(Date.parse(s.now) + node.timeout.hours * 3_600_000).toISOString() });
  }
  return run;
}

/** Initial pending tasks: one at a time in a sequential node, all of them otherwise. */
function openSlots(s: InstanceSession, run: NodeRun, tasks: ApprovalTask[]): void {
  if (run.mode === "sequential") {
    const first = nextSequentialSlot(tasks);
    if (first) s.setTask(first, { status: "pending", pendingSince: s.now });
    return;
  }
  for (const t of tasks) if (t.status === "waiting") s.setTask(t, { status: "pending", pendingSince: s.now });
}

/** Makes a waiting task pending and tells its assignee. */
export function openTask(s: InstanceSession, task: ApprovalTask, nodeId: string): void {
  s.setTask(task, { status: "pending", pendingSince: s.now });
  s.emit("task.assigned", { nodeId, taskId: task.id, data: { assigneeId: task.assigneeId, onBehalfOf: task.onBehalfOf } });
  s.notify("approval.task.assigned", { nodeId, tasks: [{ taskId: task.id, assigneeId: task.assigneeId, onBehalfOf: task.onBehalfOf }] });
}

/** Closes a run: its open tasks are canceled (a later decision on them is a 409). */
export function decideRun(s: InstanceSession, run: NodeRun, status: "approved" | "rejected" | "canceled", reason: string | null): void {
  const canceled: string[] = [];
  for (const t of s.openTasks(run.id)) {
    s.closeTask(t, "canceled", null);
    canceled.push(t.id);
  }
  s.setRun(run, { status, decidedAt: s.now, ...(reason ? { note: { ...run.note, reason } } : {}) });
  const { n, a, r } = tally(s.tasksOf(run.id));
  s.emit(`node.${status}`, { nodeId: run.nodeId, data: { runId: run.id, reason, n, a, r, canceledTaskIds: canceled } });
}

/** After a task of the run changed: decide the node, or hand the next sequential slot out. */
export async function settleRun(s: InstanceSession, run: NodeRun): Promise<void> {
  if (run.status !== "active") return;
  const tasks = s.tasksOf(run.id);
  const outcome = nodeOutcome(run.mode ?? "all", run.threshold, tasks);
  if (outcome === "approved") {
    decideRun(s, run, "approved", null);
    await continueAfter(s, run);
  } else if (outcome === "rejected") {
    decideRun(s, run, "rejected", null);
    rejectFlow(s, run);
  } else if (run.mode === "sequential") {
    const next = nextSequentialSlot(tasks);
    if (next) openTask(s, next, run.nodeId);
  }
}

/** After an approved run: signers added "after" it go next, then the node's successor. */
export async function continueAfter(s: InstanceSession, run: NodeRun): Promise<void> {
  const added = s.runs.find((r) => r.hostRunId === run.id && r.status === "pending" && r.attempt === s.instance.attempt);
  if (!added) {
    await runFrom(s, successorOf(s.def, run.continueFrom));
    return;
  }
  s.setRun(added, { status: "active", activatedAt: s.now });
  const tasks = s.tasksOf(added.id);
  s.emit("node.activated", {
    nodeId: added.nodeId,
    actorId: null,
    data: { runId: added.id, mode: added.mode, n: tasks.length, required: tasks.length, tasks: tasks.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, status: "pending" })) },
  });
  for (const t of tasks) if (t.status === "waiting") s.setTask(t, { status: "pending", pendingSince: s.now });
  s.notify("approval.task.assigned", { nodeId: added.nodeId, tasks: tasks.map((t) => ({ taskId: t.id, assigneeId: t.assigneeId, onBehalfOf: null })) });
}

/** A rejected node ends the instance, or returns it to the initiator (onReject). */
export function rejectFlow(s: InstanceSession, run: NodeRun): void {
  if (s.def.settings.onReject === "return_to_initiator") {
    cancelOpenWork(s);
    s.instance.status = "returned";
    s.emit("instance.returned", { nodeId: run.nodeId, data: { reason: "rejected", attempt: s.instance.attempt } });
    s.notify("approval.returned", { status: "returned", initiatorId: s.instance.initiatorId });
    return;
  }
  finish(s, "rejected");
}

/** Cancels every open task and every active or waiting run of this attempt. */
export function cancelOpenWork(s: InstanceSession): void {
  for (const run of s.currentRuns()) {
    if (run.status === "active" || run.status === "pending") decideRun(s, run, "canceled", null);
  }
  for (const t of s.openTasks()) s.closeTask(t, "canceled", null);
}

export function finish(s: InstanceSession, status: Exclude<InstanceStatus, "running" | "returned">, data: Record<string, unknown> = {}): void {
  cancelOpenWork(s);
  s.instance.status = status;
  s.instance.finishedAt = s.now;
  s.finishedWith = status;
  s.emit(`instance.${status}`, { data: { ...data, attempt: s.instance.attempt } });
  s.notify("approval.finished", { status, initiatorId: s.instance.initiatorId, flowKey: s.instance.flowKey });
}
