import type { FlowDefinition } from "./definition.js";
import type { Directory } from "./resolve.js";
import { isOpenTask, type ApprovalTask, type InstanceRecord, type InstanceStatus, type NodeRun, type TaskStatus, type TimelineEvent } from "./state.js";

// One instance loaded under its row lock, changed in memory by the engine, then
// written back by instances/repository.ts. It records what changed (for the
// writes and the task compare-and-set), the timeline events it appended and
// the outbox events and timeouts to store.

export interface EngineContext {
  /** ISO time of this action; every timestamp the engine writes uses it. */
  now: string;
  actorId: string | null;
  requestId: string | null;
  dir: Directory;
  newId: () => string;
}

export interface Notice {
  type: string;
  data: Record<string, unknown>;
}

export interface ScheduledTimeout {
  id: string;
  runId: string;
  action: string;
  dueAt: string;
}

/** A decision a person (or a rule) took in this action: feeds the latency histogram. */
export interface DecisionSample {
  outcome: string;
  waitedSeconds: number;
}

export class InstanceSession {
  readonly newRunIds = new Set<string>();
  readonly changedRunIds = new Set<string>();
  readonly newTaskIds = new Set<string>();
  /** Status each changed task had when loaded: the compare-and-set expectation. */
  readonly loadedTaskStatus = new Map<string, TaskStatus>();
  readonly newEvents: TimelineEvent[] = [];
  readonly notices: Notice[] = [];
  readonly timeouts: ScheduledTimeout[] = [];
  readonly ccUserIds: string[] = [];
  readonly decisions: DecisionSample[] = [];
  finishedWith: InstanceStatus | null = null;

  constructor(
    readonly instance: InstanceRecord,
    readonly runs: NodeRun[],
    readonly tasks: ApprovalTask[],
    readonly def: FlowDefinition,
    readonly ctx: EngineContext,
  ) {}

  get now(): string {
    return this.ctx.now;
  }

  currentRuns(): NodeRun[] {
    return this.runs.filter((r) => r.attempt === this.instance.attempt);
  }

  activeRun(): NodeRun | undefined {
    return this.runs.find((r) => r.attempt === this.instance.attempt && r.status === "active");
  }

  run(id: string): NodeRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  tasksOf(runId: string): ApprovalTask[] {
    return this.tasks.filter((t) => t.runId === runId);
  }

  /** Whether the user holds a live (not handed on, not canceled) task in the run. */
  holdsTask(runId: string, userId: string): boolean {
    return this.tasks.some((t) => t.runId === runId && t.assigneeId === userId && t.status !== "transferred" && t.status !== "canceled");
  }

  addRun(fields: Omit<NodeRun, "id" | "instanceId" | "attempt" | "ordinal" | "invalidated" | "lastUrgedAt" | "decidedAt"> & { decidedAt?: string | null }): NodeRun {
    const run: NodeRun = {
      id: this.ctx.newId(),
      instanceId: this.instance.id,
      attempt: this.instance.attempt,
      ordinal: this.runs.reduce((m, r) => Math.max(m, r.ordinal), 0) + 1,
      invalidated: false,
      lastUrgedAt: null,
      decidedAt: null,
      ...fields,
    };
    this.runs.push(run);
    this.newRunIds.add(run.id);
    return run;
  }

  setRun(run: NodeRun, patch: Partial<Omit<NodeRun, "id" | "instanceId">>): void {
    Object.assign(run, patch);
    if (!this.newRunIds.has(run.id)) this.changedRunIds.add(run.id);
  }

  addTask(fields: Omit<ApprovalTask, "id" | "instanceId" | "attempt" | "createdAt" | "comment" | "decidedBy" | "decidedAt" | "autoReason" | "pendingSince"> &
    Partial<Pick<ApprovalTask, "comment" | "decidedBy" | "decidedAt" | "autoReason">>): ApprovalTask {
    const task: ApprovalTask = {
      id: this.ctx.newId(),
      instanceId: this.instance.id,
      attempt: this.instance.attempt,
      createdAt: this.now,
      comment: null,
      decidedBy: null,
      decidedAt: null,
      autoReason: null,
      ...fields,
      pendingSince: fields.status === "pending" ? this.now : null,
    };
    this.tasks.push(task);
    this.newTaskIds.add(task.id);
    return task;
  }

  setTask(task: ApprovalTask, patch: Partial<Omit<ApprovalTask, "id" | "instanceId" | "runId">>): void {
    if (!this.newTaskIds.has(task.id) && !this.loadedTaskStatus.has(task.id)) this.loadedTaskStatus.set(task.id, task.status);
    Object.assign(task, patch);
  }

  /** Closes a task with a final status; waiting time feeds the decision-latency metric. */
  closeTask(task: ApprovalTask, status: TaskStatus, by: string | null, extra: { comment?: string | null; autoReason?: string | null } = {}): void {
    const wasPending = task.status === "pending" && task.pendingSince !== null;
    if (wasPending && status !== "canceled") {
      this.decisions.push({ outcome: status, waitedSeconds: Math.max(0, (Date.parse(this.now) - Date.parse(task.pendingSince!)) / 1000) });
    }
    this.setTask(task, {
      status,
      decidedAt: this.now,
      decidedBy: by,
      ...(extra.comment !== undefined ? { comment: extra.comment } : {}),
      ...(extra.autoReason !== undefined ? { autoReason: extra.autoReason } : {}),
    });
  }

  openTasks(runId?: string): ApprovalTask[] {
    return this.tasks.filter((t) => isOpenTask(t) && (runId === undefined || t.runId === runId));
  }

  /** Appends a timeline event with the next seq (the instance row is locked). */
  emit(type: string, fields: { nodeId?: string | null; taskId?: string | null; data?: Record<string, unknown>; actorId?: string | null } = {}): void {
    this.instance.lastSeq += 1;
    this.newEvents.push({
      seq: this.instance.lastSeq,
      attempt: this.instance.attempt,
      type,
      actorId: fields.actorId === undefined ? this.ctx.actorId : fields.actorId,
      nodeId: fields.nodeId ?? null,
      taskId: fields.taskId ?? null,
      data: fields.data ?? {},
      requestId: this.ctx.requestId,
      at: this.now,
    });
  }

  notify(type: string, data: Record<string, unknown>): void {
    this.notices.push({ type, data: { approvalId: this.instance.id, ...data } });
  }

  get changed(): boolean {
    return this.newEvents.length > 0;
  }
}
