import type { Static } from "typebox";
import type { Actor } from "../../platform/actor.js";
import type { Tx } from "../../platform/db/index.js";
import { diff } from "../../platform/diff.js";
import { DomainError, forbidden, notFound } from "../../platform/errors.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { projectCan } from "../projects/policy.js";
import type { ProjectRow } from "../projects/repository.js";
import type { ProjectsService } from "../projects/service.js";
import { TaskComments } from "./comments.service.js";
import { assertValidParent, rollUpFrom } from "./hierarchy.js";
import { TaskJournal } from "./journal.js";
import { TaskLocator } from "./locate.js";
import { fieldsOf, taskKey, toTask, type TaskJson } from "./model.js";
import { rankBetween } from "./rank.js";
import { tasksRepo, type TaskFields, type TaskRow } from "./repository.js";
import { assertDateOrder, assertTransition, cleanLabels, initialStatus, isDoneStatus } from "./rules.js";
import type { CreateTaskBody, MoveTaskBody, UpdateTaskBody } from "./schemas.js";
import { indexTokens } from "./search.js";
import { TaskViews } from "./views.service.js";

export type CreateTaskInput = Static<typeof CreateTaskBody>;
export type UpdateTaskInput = Static<typeof UpdateTaskBody>;
export type MoveTaskInput = Static<typeof MoveTaskBody>;

const unprocessable = (path: string, message: string) => new DomainError("unprocessable", `${path.replace("body.", "")} ${message}`, { errors: [{ path, message }] });

/** Tasks: create, read, change, move on the board, delete. Lists and comments live in `views` and `comments`. */
export class TasksService {
  readonly views: TaskViews;
  readonly comments: TaskComments;
  private readonly locator: TaskLocator;

  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
  ) {
    this.locator = new TaskLocator(p.db, projects);
    this.views = new TaskViews(p, projects);
    this.comments = new TaskComments(p, this.locator);
    // A workflow may not drop a status that tasks still have.
    projects.useStatusUsage((projectId) => tasksRepo.statusesInUse(p.db, projectId));
  }

  async create(actor: Actor, projectId: string, input: CreateTaskInput): Promise<TaskJson> {
    const { project } = await this.projects.access(actor, projectId, "tasks.write");
    const status = initialStatus(project.workflow, input.status);
    const assigneeId = input.assigneeId ?? null;
    if (assigneeId !== null) await this.assertAssignee(actor, project.id, assigneeId);
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
    };
    assertDateOrder(fields.startDate, fields.dueDate);
    return this.p.db.tx(async (tx) => {
      await tasksRepo.lockProject(tx, project.id);
      if (fields.parentId !== null) await assertValidParent(tx, project.id, null, fields.parentId);
      const number = await this.projects.nextTaskNumber(tx, project.id);
      const rank = rankBetween(await tasksRepo.lastRank(tx, project.id, status, null), null);
      const row = await tasksRepo.insert(tx, {
        ...fields,
        rank,
        id: newId(),
        orgId: project.org_id,
        projectId: project.id,
        number,
        reporterId: actor.userId,
        searchTokens: indexTokens(fields.title, fields.description),
      });
      const task = toTask(row);
      const journal = new TaskJournal(actor, project);
      const initial = diff({}, setFields({ ...fields, rank }));
      journal.record(row.id, "created", initial);
      journal.emit("task.created", task);
      if (fields.parentId !== null) {
        journal.record(fields.parentId, "subtask_added", { subtaskId: row.id, key: task.key });
        await rollUpFrom(tx, journal, fields.parentId);
      }
      await journal.flush(tx, { action: "task.create", targetId: row.id, changes: { key: task.key, ...initial } });
      return task;
    });
  }

  async get(actor: Actor, idOrKey: string): Promise<TaskJson> {
    return toTask((await this.locator.find(actor, idOrKey)).task);
  }

  async update(actor: Actor, idOrKey: string, patch: UpdateTaskInput, expectedVersion?: number): Promise<TaskJson> {
    const { task: seen, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const project = access.project;
    if (patch.assigneeId && patch.assigneeId !== seen.assignee_id) await this.assertAssignee(actor, project.id, patch.assigneeId);
    return this.p.db.tx(async (tx) => {
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
      if (next.status !== before.status) assertTransition(project.workflow, before.status, next.status, current.pending_approval_id);
      assertDateOrder(next.startDate, next.dueDate);
      if (next.parentId !== null && next.parentId !== before.parentId) await assertValidParent(tx, project.id, current.id, next.parentId);
      await this.applyProgressRules(tx, project, current, next, patch.progress !== undefined);
      return this.write(tx, new TaskJournal(actor, project), current, next, "updated");
    });
  }

  /** Board drag-and-drop: a new status (workflow rules apply) and a rank between the neighbours. */
  async move(actor: Actor, idOrKey: string, input: MoveTaskInput): Promise<TaskJson> {
    const { task: seen, access } = await this.locator.find(actor, idOrKey, "tasks.write");
    const project = access.project;
    if (input.afterId === seen.id) throw unprocessable("body.afterId", "cannot be the task being moved");
    if (input.beforeId === seen.id) throw unprocessable("body.beforeId", "cannot be the task being moved");
    return this.p.db.tx(async (tx) => {
      const current = await this.lockForWrite(tx, project.id, seen.id);
      const status = input.status ?? current.status;
      if (status !== current.status) assertTransition(project.workflow, current.status, status, current.pending_approval_id);
      const next: TaskFields = { ...fieldsOf(current), status, rank: await this.rankFor(tx, current, status, input) };
      await this.applyProgressRules(tx, project, current, next, false);
      return this.write(tx, new TaskJournal(actor, project), current, next, "moved");
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
  private async assertAssignee(actor: Actor, projectId: string, assigneeId: string): Promise<void> {
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
  Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)));

/** The keys of a patch that were actually sent (undefined = leave unchanged; null = clear). */
function definedOnly<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
