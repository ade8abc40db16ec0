import type { Static } from "typebox";
import type { Actor } from "../../platform/actor.js";
import type { Tx } from "../../platform/db/index.js";
import { diff } from "../../platform/diff.js";
import { DomainError, forbidden, notFound } from "../../platform/errors.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import type { ApprovalsService, FinishedApproval } from "../approvals/service.js";
import { projectCan } from "../projects/policy.js";
import type { ProjectRow } from "../projects/repository.js";
import type { ProjectsService } from "../projects/service.js";
import { TaskComments } from "./comments.service.js";
import { TaskFacts } from "./facts.js";
import { assertValidParent, rollUpFrom } from "./hierarchy.js";
import { TaskJournal } from "./journal.js";
import { TaskLocator } from "./locate.js";
import { fieldsOf, taskKey, toTask, type TaskJson } from "./model.js";
import { rankBetween } from "./rank.js";
import { tasksRepo, type TaskFields, type TaskRow } from "./repository.js";
import { assertDateOrder, assertTransition, cleanLabels, initialStatus, isDoneStatus } from "./rules.js";
import { statusOf } from "../projects/workflow.js";
import type { CreateTaskBody, MoveTaskBody, UpdateTaskBody } from "./schemas.js";
import { indexTokens } from "./search.js";
import { TaskViews } from "./views.service.js";

export type CreateTaskInput = Static<typeof CreateTaskBody>;
export type UpdateTaskInput = Static<typeof UpdateTaskBody>;
export type MoveTaskInput = Static<typeof MoveTaskBody>;

/** Planning's automatic scheduling, called inside task writes that change when a task happens. */
export interface SchedulingHook {
  /** Taken before the task's own locks, so reschedules in one org run one at a time. */
  lock(tx: Tx, orgId: string): Promise<void>;
  /** After the task's dates, estimate or milestone flag changed, before the journal is written. */
  datesChanged(tx: Tx, journal: TaskJournal, task: TaskRow): Promise<void>;
  /** A new task without an assignee; the row as assigned, if the project assigns automatically. */
  taskCreated(tx: Tx, journal: TaskJournal, task: TaskRow): Promise<TaskRow | undefined>;
  /** Before a task becomes a subtask of `parentId`: throws when that would loop with the dependencies. */
  parentChanging(tx: Tx, task: TaskRow, parentId: string): Promise<void>;
}

const PLAN_FIELDS = ["startDate", "dueDate", "estimateHours", "milestone"] as const;

/** The result of a change that may have been turned into an approval request (202). */
export interface TaskChange {
  task: TaskJson;
  approval: Awaited<ReturnType<ApprovalsService["startForSubject"]>> | null;
}

const unprocessable = (path: string, message: string) => new DomainError("unprocessable", `${path.replace("body.", "")} ${message}`, { errors: [{ path, message }] });

/** Tasks: create, read, change, move on the board, delete. Lists and comments live in `views` and `comments`. */
export class TasksService {
  readonly views: TaskViews;
  readonly comments: TaskComments;
  readonly facts: TaskFacts;
  private readonly locator: TaskLocator;
  private scheduling: SchedulingHook | undefined;
  private approvals: ApprovalsService | undefined;

  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
  ) {
    this.locator = new TaskLocator(p.db, projects);
    this.views = new TaskViews(p, projects);
    this.comments = new TaskComments(p, this.locator);
    this.facts = new TaskFacts(p.db, this.locator);
    // A workflow may not drop a status that tasks still have.
    projects.useStatusUsage((projectId) => tasksRepo.statusesInUse(p.db, projectId));
  }

  useSchedulingHook(hook: SchedulingHook): void {
    this.scheduling = hook;
  }

  /**
   * Guarded transitions start an approval through this service; its end comes back
   * through applyApprovalOutcome, inside the approval's transaction.
   */
  useApprovals(approvals: ApprovalsService): void {
    this.approvals = approvals;
    approvals.useSubjectResolver(async (q, subject) => {
      if (subject.type !== "task") return undefined;
      const row = await tasksRepo.orgAndProject(q, subject.id);
      return row ? { orgId: row.org_id, projectId: row.project_id } : undefined;
    });
    approvals.onFinished((tx, approval) => this.applyApprovalOutcome(tx, approval));
  }

  async create(actor: Actor, projectId: string, input: CreateTaskInput): Promise<TaskJson> {
    const { project } = await this.projects.access(actor, projectId, "tasks.write");
    if (input.assigneeId) await this.assertAssignee(actor, project.id, input.assigneeId);
    return this.p.db.tx((tx) => this.createWithin(tx, actor, project, input));
  }

  /**
   * Creates a task inside the caller's transaction (recurring tasks, created by the
   * cron role). The caller has checked that the actor may write tasks in the project
   * and that the assignee can see it.
   */
  async createWithin(tx: Tx, actor: Actor, project: ProjectRow, input: CreateTaskInput): Promise<TaskJson> {
    const status = initialStatus(project.workflow, input.status);
    const assigneeId = input.assigneeId ?? null;
    const fields: Omit<TaskFields, "rank"> = {
      title: input.title.trim(),
      description: input.description ?? "",
      status,
      priority: input.priority ?? "none",
      assigneeId,
      startDate: input.startDate ?? null,
      dueDate: input.dueDate ?? null,
      estimateHours: hours(input.estimateHours),
      parentId: input.parentId ?? null,
      labels: cleanLabels(input.labels ?? []),
      progress: input.progress ?? (isDoneStatus(project.workflow, status) ? 100 : 0),
      milestone: input.milestone ?? false,
    };
    assertDateOrder(fields.startDate, fields.dueDate);
    await tasksRepo.lockProject(tx, project.id);
    if (fields.parentId !== null) await assertValidParent(tx, project.id, null, fields.parentId);
    const number = await this.projects.nextTaskNumber(tx, project.id);
    const rank = rankBetween(await tasksRepo.lastRank(tx, project.id, status, null), null);
    const inserted = await tasksRepo.insert(tx, {
      ...fields,
      rank,
      id: newId(),
      orgId: project.org_id,
      projectId: project.id,
      number,
      reporterId: actor.userId,
      searchTokens: indexTokens(fields.title, fields.description),
    });
    const journal = new TaskJournal(actor, project);
    const initial = diff({}, setFields({ ...fields, rank }));
    journal.record(inserted.id, "created", initial);
    const row = (assigneeId === null ? await this.scheduling?.taskCreated(tx, journal, inserted) : undefined) ?? inserted;
    const task = toTask(row);
    journal.emit("task.created", task);
    if (fields.parentId !== null) {
      journal.record(fields.parentId, "subtask_added", { subtaskId: row.id, key: task.key });
      await rollUpFrom(tx, journal, fields.parentId);
    }
    await journal.flush(tx, { action: "task.create", targetId: row.id, changes: { key: task.key, ...initial } });
    return task;
  }

  async get(actor: Actor, idOrKey: string): Promise<TaskJson> {
    return toTask((await this.locator.find(actor, idOrKey)).task);
  }

  async update(actor: Actor, idOrKey: string, patch: UpdateTaskInput, expectedVersion?: number): Promise<TaskChange> {
    const { task: seen, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const project = access.project;
    if (patch.assigneeId && patch.assigneeId !== seen.assignee_id) await this.assertAssignee(actor, project.id, patch.assigneeId);
    return this.p.db.tx(async (tx) => {
      if (this.scheduling && (PLAN_FIELDS.some((f) => patch[f] !== undefined) || patch.parentId !== undefined)) await this.scheduling.lock(tx, project.org_id);
      const current = await this.lockForWrite(tx, project.id, seen.id);
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new DomainError("version_conflict", `The task is at version ${current.version}, not ${expectedVersion}`);
      }
      const before = fieldsOf(current);
      const next: TaskFields = {
        ...before,
        ...definedOnly({
          ...patch,
          title: patch.title?.trim(),
          labels: patch.labels && cleanLabels(patch.labels),
          estimateHours: patch.estimateHours === undefined ? undefined : hours(patch.estimateHours),
        }),
      };
      const guard = next.status !== before.status ? assertTransition(project.workflow, before.status, next.status, current.pending_approval_id) : {};
      const requested = next.status;
      if (guard.approvalFlowKey !== undefined) next.status = before.status; // moves only once approved
      assertDateOrder(next.startDate, next.dueDate);
      if (next.parentId !== null && next.parentId !== before.parentId) {
        await assertValidParent(tx, project.id, current.id, next.parentId);
        await this.scheduling?.parentChanging(tx, current, next.parentId);
      }
      await this.applyProgressRules(tx, project, current, next, patch.progress !== undefined);
      const task = await this.write(tx, new TaskJournal(actor, project), current, next, "updated");
      if (guard.approvalFlowKey === undefined) return { task, approval: null };
      return this.requestApproval(tx, actor, project, task.id, before.status, requested, guard.approvalFlowKey);
    });
  }

  /** Board drag-and-drop: a new status (workflow rules apply) and a rank between the neighbours. */
  async move(actor: Actor, idOrKey: string, input: MoveTaskInput): Promise<TaskChange> {
    const { task: seen, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const project = access.project;
    if (input.afterId === seen.id) throw unprocessable("body.afterId", "cannot be the task being moved");
    if (input.beforeId === seen.id) throw unprocessable("body.beforeId", "cannot be the task being moved");
    return this.p.db.tx(async (tx) => {
      const current = await this.lockForWrite(tx, project.id, seen.id);
      const requested = input.status ?? current.status;
      const guard = requested !== current.status ? assertTransition(project.workflow, current.status, requested, current.pending_approval_id) : {};
      if (guard.approvalFlowKey !== undefined) {
        // The card stays in its column until the approval passes.
        const task = toTask(current);
        return this.requestApproval(tx, actor, project, task.id, current.status, requested, guard.approvalFlowKey);
      }
      const next: TaskFields = { ...fieldsOf(current), status: requested, rank: await this.rankFor(tx, current, requested, input) };
      await this.applyProgressRules(tx, project, current, next, false);
      return { task: await this.write(tx, new TaskJournal(actor, project), current, next, "moved"), approval: null };
    });
  }

  /** Deletes a task and, through the foreign key, its subtasks: the project manager or the reporter may. */
  async remove(actor: Actor, idOrKey: string): Promise<void> {
    const { task: seen, access } = await this.locator.find(actor, idOrKey);
    const mayDelete = access.role === "manager" || (seen.reporter_id === actor.userId && projectCan(access.role, "tasks.write"));
    if (!mayDelete) throw forbidden("Only the project manager or the task's reporter can delete a task");
    const project = access.project;
    await this.p.db.tx(async (tx) => {
      const current = await this.lockForWrite(tx, project.id, seen.id);
      const tree = await tasksRepo.deleteTree(tx, current.id);
      const key = taskKey(project.key, current.number);
      const subtasks = tree.filter((t) => t.id !== current.id).map((t) => ({ id: t.id, key: taskKey(project.key, t.number) }));
      const journal = new TaskJournal(actor, project);
      journal.record(current.id, "deleted", { key, title: current.title, subtasks });
      for (const t of tree) journal.emit("task.deleted", { id: t.id, key: taskKey(project.key, t.number), parentId: t.parent_id });
      if (current.parent_id !== null) {
        journal.record(current.parent_id, "subtask_deleted", { subtaskId: current.id, key, title: current.title, subtasks });
        await rollUpFrom(tx, journal, current.parent_id);
      }
      await journal.flush(tx, { action: "task.delete", targetId: current.id, changes: { key, title: current.title, subtasks } });
    });
  }

  /**
   * Starts the approval a guarded transition needs, in the caller's transaction. The
   * task is marked first: a flow that passes at once finishes inside startForSubject.
   */
  private async requestApproval(tx: Tx, actor: Actor, project: ProjectRow, taskId: string, from: string, to: string, flowKey: string): Promise<TaskChange> {
    if (!this.approvals) throw new DomainError("approval_required", `Moving from "${from}" to "${to}" needs approval flow "${flowKey}"`);
    const approvalId = newId();
    const marked = await tasksRepo.setPendingApproval(tx, taskId, approvalId);
    const journal = new TaskJournal(actor, project);
    const key = taskKey(project.key, marked.number);
    journal.record(taskId, "approval_requested", { approvalId, flowKey, status: { from, to } });
    journal.emit("task.updated", { id: taskId, key, version: marked.version, changes: { pendingApprovalId: { from: null, to: approvalId } } });
    await journal.flush(tx, { action: "task.approval_requested", targetId: taskId, changes: { key, approvalId, flowKey, from, to } });
    const approval = await this.approvals.startForSubject(tx, actor, {
      id: approvalId,
      orgId: project.org_id,
      projectId: project.id,
      flowKey,
      title: `${key} ${from} → ${to}: ${marked.title}`.slice(0, 500),
      subject: { type: "task", id: taskId },
      form: { fromStatus: from, toStatus: to, taskKey: key },
    }).catch((err: unknown) => {
      // A workflow naming a flow that does not exist (or was archived) is a project setup problem.
      if (err instanceof DomainError && (err.code === "not_found" || err.code === "flow_archived")) {
        throw new DomainError("approval_required", `Moving from "${from}" to "${to}" needs approval flow "${flowKey}", which is not available: ${err.message}`);
      }
      throw err;
    });
    const after = await tasksRepo.lock(tx, taskId);
    return { task: toTask(after ?? marked), approval };
  }

  /**
   * Runs in the transaction that finished an approval about a task: applies the
   * requested transition when approved (and still possible), and in every case
   * clears pendingApprovalId. It never throws for a stale or foreign approval.
   */
  async applyApprovalOutcome(tx: Tx, approval: FinishedApproval): Promise<void> {
    if (approval.subject?.type !== "task") return;
    const current = await tasksRepo.lock(tx, approval.subject.id);
    if (!current || current.pending_approval_id !== approval.id) return;
    const project = await this.projects.load(tx, current.project_id);
    if (!project) return;
    const cleared = await tasksRepo.setPendingApproval(tx, current.id, null);
    const actor: Actor = { userId: approval.actorId ?? approval.initiatorId, isInstanceAdmin: false, ip: "approval", requestId: approval.requestId };
    const journal = new TaskJournal(actor, project);
    const from = approval.form.fromStatus;
    const to = approval.form.toStatus;
    const applies = approval.status === "approved" && typeof to === "string" && current.status === from && statusOf(project.workflow, to) !== undefined;
    if (!applies) {
      const key = taskKey(project.key, cleared.number);
      journal.record(current.id, "approval_ended", { approvalId: approval.id, outcome: approval.status });
      journal.emit("task.updated", { id: current.id, key, version: cleared.version, changes: { pendingApprovalId: { from: approval.id, to: null } } });
      await journal.flush(tx, { action: "task.approval_ended", targetId: current.id, changes: { key, approvalId: approval.id, outcome: approval.status } });
      return;
    }
    const next: TaskFields = { ...fieldsOf(cleared), status: to };
    await this.applyProgressRules(tx, project, cleared, next, false);
    await this.write(tx, journal, cleared, next, "moved");
  }

  private async lockForWrite(tx: Tx, projectId: string, taskId: string): Promise<TaskRow> {
    await tasksRepo.lockProject(tx, projectId);
    const current = await tasksRepo.lock(tx, taskId);
    if (!current) throw notFound("Task");
    return current;
  }

  /**
   * A parent's progress is rolled up from its subtasks, so it cannot be set by
   * hand; a leaf entering a done-category status is 100% unless told otherwise.
   */
  private async applyProgressRules(tx: Tx, project: ProjectRow, current: TaskRow, next: TaskFields, progressGiven: boolean): Promise<void> {
    const intoDone = next.status !== current.status && isDoneStatus(project.workflow, next.status);
    if (!(intoDone && !progressGiven) && !(progressGiven && next.progress !== current.progress)) return;
    const isParent = await tasksRepo.hasChildren(tx, current.id);
    if (progressGiven && isParent && next.progress !== current.progress) {
      throw unprocessable("body.progress", "is rolled up from the subtasks of this task and cannot be set directly");
    }
    if (intoDone && !progressGiven && !isParent) next.progress = 100;
  }

  /** Writes the new state (if anything changed), its activity, roll-ups, audit and events. */
  private async write(tx: Tx, journal: TaskJournal, current: TaskRow, next: TaskFields, action: "updated" | "moved"): Promise<TaskJson> {
    const before = fieldsOf(current);
    const changes = diff(before, next);
    if (Object.keys(changes).length === 0) return toTask(current);
    const textChanged = next.title !== before.title || next.description !== before.description;
    const row = await tasksRepo.update(tx, current.id, next, textChanged ? indexTokens(next.title, next.description) : null);
    const task = toTask(row);
    journal.record(row.id, action, changes);
    journal.emit("task.updated", { id: row.id, key: task.key, version: row.version, changes });
    if (this.scheduling && PLAN_FIELDS.some((f) => f in changes)) await this.scheduling.datesChanged(tx, journal, row);
    if (next.parentId !== before.parentId) {
      if (before.parentId !== null) journal.record(before.parentId, "subtask_removed", { subtaskId: row.id, key: task.key });
      if (next.parentId !== null) journal.record(next.parentId, "subtask_added", { subtaskId: row.id, key: task.key });
      await rollUpFrom(tx, journal, before.parentId);
      await rollUpFrom(tx, journal, next.parentId);
    } else if (next.progress !== before.progress || next.estimateHours !== before.estimateHours) {
      await rollUpFrom(tx, journal, next.parentId);
    }
    await journal.flush(tx, { action: action === "moved" ? "task.move" : "task.update", targetId: row.id, changes: { key: task.key, ...changes } });
    return task;
  }

  /**
   * Right after `afterId`, else right before `beforeId`, else last in the column.
   * Neighbours are read under the project lock, so two cards dropped on the same
   * spot at once get distinct keys. A task already in that place keeps its key.
   */
  private async rankFor(tx: Tx, current: TaskRow, status: string, input: MoveTaskInput): Promise<string> {
    const [lower, upper] = await this.neighbours(tx, current, status, input);
    const inPlace = status === current.status && (lower === null || lower < current.rank) && (upper === null || current.rank < upper);
    return inPlace ? current.rank : rankBetween(lower, upper);
  }

  private async neighbours(tx: Tx, current: TaskRow, status: string, input: MoveTaskInput): Promise<[string | null, string | null]> {
    const projectId = current.project_id;
    const anchorRank = async (path: string, id: string) => {
      const anchor = await tasksRepo.byId(tx, id);
      if (!anchor || anchor.project_id !== projectId) throw unprocessable(path, "is not a task of this project");
      return anchor.rank;
    };
    if (input.afterId) {
      const lower = await anchorRank("body.afterId", input.afterId);
      return [lower, await tasksRepo.neighbourRank(tx, projectId, status, lower, "next", current.id)];
    }
    if (input.beforeId) {
      const upper = await anchorRank("body.beforeId", input.beforeId);
      return [await tasksRepo.neighbourRank(tx, projectId, status, upper, "previous", current.id), upper];
    }
    return [await tasksRepo.lastRank(tx, projectId, status, current.id), null];
  }

  /** An assignee must be able to see the project (a guest only when added to it). */
  async assertAssignee(actor: Actor, projectId: string, assigneeId: string): Promise<void> {
    const visible = await this.locator.visible({ ...actor, userId: assigneeId, isInstanceAdmin: false }, projectId);
    if (!visible) {
      throw new DomainError("invalid_assignee", "The assignee must be a member of the organization who can see this project", {
        errors: [{ path: "body.assigneeId", message: "cannot see this project" }],
      });
    }
  }
}

/** Hours as the column keeps them (two decimals), so the recorded change matches the stored value. */
const hours = (h: number | null | undefined): number | null => (h === undefined || h === null ? null : Math.round(h * 100) / 100);

/** The fields a new task was given (a creation's activity lists them as null -> value). */
const setFields = (f: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null && v !== "" && v !== false && !(Array.isArray(v) && v.length === 0)));

/** The keys of a patch that were actually sent (undefined = leave unchanged; null = clear). */
function definedOnly<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
