import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import type { Tx } from "../../../platform/db/index.js";
import { DomainError, notFound } from "../../../platform/errors.js";
import { newId } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import type { OrgsService } from "../../orgs/service.js";
import type { SchedulingService } from "../schedule/scheduling.js";
import { TaskJournal } from "../../tasks/journal.js";
import type { LocatedTask, TaskLocator } from "../../tasks/locate.js";
import { taskKey } from "../../tasks/model.js";
import { loopClosedBy, loopClosedByParent } from "./cycle.js";
import { dependenciesRepo, type DependencyRow, type LinkedTaskRow } from "./repository.js";
import type { CreateDependencyBody, UpdateDependencyBody } from "./schemas.js";

export type CreateDependencyInput = Static<typeof CreateDependencyBody>;
export type UpdateDependencyInput = Static<typeof UpdateDependencyBody>;

const toLinked = (r: LinkedTaskRow) => ({
  id: r.dependency_id,
  type: r.type,
  lagDays: r.lag_days,
  createdAt: r.created_at,
  task: { id: r.id, key: r.key, title: r.title, projectId: r.project_id, status: r.status, startDate: r.start_date, dueDate: r.due_date },
});

const keyOf = (t: LocatedTask) => taskKey(t.task.project_key, t.task.number);

/**
 * Links between tasks of one org (any projects): the successor's start or finish
 * follows the predecessor's. Loops are refused. Each change is recorded on both tasks.
 */
export class DependenciesService {
  constructor(
    private readonly p: Platform,
    private readonly locator: TaskLocator,
    private readonly orgs: OrgsService,
    private readonly scheduling: SchedulingService,
  ) {}

  async add(actor: Actor, idOrKey: string, input: CreateDependencyInput) {
    const successor = await this.locator.find(actor, idOrKey, "tasks.write");
    const predecessor = await this.findPredecessor(actor, input.predecessorId, successor.task.org_id);
    const orgId = successor.task.org_id;
    const type = input.type;
    const lagDays = input.lagDays ?? 0;
    return this.p.db.tx(async (tx) => {
      await dependenciesRepo.lockOrg(tx, orgId);
      if (!(await dependenciesRepo.holdTasks(tx, [predecessor.task.id, successor.task.id]))) throw notFound("Task");
      const edges = await dependenciesRepo.orgEdges(tx, orgId);
      const parents = await dependenciesRepo.summaryChains(tx, [...new Set([...edges.flat(), predecessor.task.id, successor.task.id])]);
      const loop = loopClosedBy(edges, parents, predecessor.task.id, successor.task.id);
      if (loop) {
        const named = await this.named(tx, loop);
        throw new DomainError("dependency_cycle", `${keyOf(predecessor)} cannot come before ${keyOf(successor)}: that would close the loop ${named}`, {
          errors: [{ path: "body.predecessorId", message: `would close the loop ${named}` }],
        });
      }
      const row = await dependenciesRepo.insert(tx, {
        id: newId(),
        orgId,
        predecessorId: predecessor.task.id,
        predecessorProjectId: predecessor.task.project_id,
        successorId: successor.task.id,
        successorProjectId: successor.task.project_id,
        type,
        lagDays,
        createdBy: actor.userId,
      });
      if (!row) throw new DomainError("dependency_exists", `${keyOf(successor)} already depends on ${keyOf(predecessor)}; change that link instead`);
      const dependency = this.toDependency(row, predecessor, successor);
      const link = { dependencyId: row.id, type, lagDays };
      await this.journal(tx, actor, [successor, predecessor], { type: "dependency.created", data: dependency }, {
        successor: ["dependency_added", { ...link, predecessorId: predecessor.task.id, predecessorKey: keyOf(predecessor) }],
        predecessor: ["successor_added", { ...link, successorId: successor.task.id, successorKey: keyOf(successor) }],
        audit: { action: "dependency.create", targetId: row.id, changes: { predecessor: keyOf(predecessor), successor: keyOf(successor), type, lagDays } },
        reschedule: { changed: predecessor.task.id, dependencyId: row.id },
      });
      return dependency;
    });
  }

  /**
   * Inside a task write that makes `parentId` the summary of `task`: refuses it when,
   * with the org's links, the summary would have to come both before and after the task.
   */
  async assertParentFits(tx: Tx, task: { id: string; org_id: string; project_key: string; number: number }, parentId: string): Promise<void> {
    const edges = await dependenciesRepo.orgEdges(tx, task.org_id);
    if (edges.length === 0) return;
    const parents = await dependenciesRepo.summaryChains(tx, [...new Set([...edges.flat(), task.id, parentId])]);
    parents.set(task.id, parentId);
    const loop = loopClosedByParent(edges, parents, task.id, parentId);
    if (!loop) return;
    const named = await this.named(tx, loop);
    const parentKey = (await dependenciesRepo.keysOf(tx, [parentId])).get(parentId) ?? parentId;
    throw new DomainError("dependency_cycle", `${taskKey(task.project_key, task.number)} cannot become a subtask of ${parentKey}: with their dependencies that would close the loop ${named}`, {
      errors: [{ path: "body.parentId", message: `would close the loop ${named}` }],
    });
  }

  private async named(tx: Tx, loop: string[]): Promise<string> {
    const keys = await dependenciesRepo.keysOf(tx, loop);
    return loop.map((id) => keys.get(id) ?? id).join(" → ");
  }

  async list(actor: Actor, idOrKey: string) {
    const { task } = await this.locator.find(actor, idOrKey);
    const role = await this.orgs.roleIn(task.org_id, actor.userId);
    const rows = await dependenciesRepo.linked(this.p.db.readFor(actor), task.id, role === "guest" ? actor.userId : null);
    return { predecessors: rows.predecessors.map(toLinked), successors: rows.successors.map(toLinked) };
  }

  async update(actor: Actor, idOrKey: string, dependencyId: string, input: UpdateDependencyInput) {
    const [predecessor, successor] = await this.endsOf(actor, idOrKey, dependencyId);
    return this.p.db.tx(async (tx) => {
      await dependenciesRepo.lockOrg(tx, predecessor.task.org_id);
      const current = await this.lock(tx, dependencyId);
      const type = input.type ?? current.type;
      const lagDays = input.lagDays ?? current.lag_days;
      if (type === current.type && lagDays === current.lag_days) return this.toDependency(current, predecessor, successor);
      const row = await dependenciesRepo.update(tx, current.id, type, lagDays);
      const dependency = this.toDependency(row, predecessor, successor);
      const changes: Record<string, unknown> = { dependencyId: row.id };
      if (type !== current.type) changes.type = { from: current.type, to: type };
      if (lagDays !== current.lag_days) changes.lagDays = { from: current.lag_days, to: lagDays };
      await this.journal(tx, actor, [successor, predecessor], { type: "dependency.updated", data: dependency }, {
        successor: ["dependency_changed", { ...changes, predecessorKey: keyOf(predecessor) }],
        predecessor: ["successor_changed", { ...changes, successorKey: keyOf(successor) }],
        audit: { action: "dependency.update", targetId: row.id, changes },
        reschedule: { changed: predecessor.task.id, dependencyId: row.id },
      });
      return dependency;
    });
  }

  async remove(actor: Actor, idOrKey: string, dependencyId: string): Promise<void> {
    const [predecessor, successor] = await this.endsOf(actor, idOrKey, dependencyId);
    await this.p.db.tx(async (tx) => {
      const current = await this.lock(tx, dependencyId);
      await dependenciesRepo.remove(tx, current.id);
      const link = { dependencyId: current.id, type: current.type, lagDays: current.lag_days };
      await this.journal(tx, actor, [successor, predecessor], { type: "dependency.deleted", data: this.toDependency(current, predecessor, successor) }, {
        successor: ["dependency_removed", { ...link, predecessorId: predecessor.task.id, predecessorKey: keyOf(predecessor) }],
        predecessor: ["successor_removed", { ...link, successorId: successor.task.id, successorKey: keyOf(successor) }],
        audit: { action: "dependency.delete", targetId: current.id, changes: { predecessor: keyOf(predecessor), successor: keyOf(successor) } },
      });
    });
  }

  /** The predecessor must be a task the actor can see, in the successor's org; anything else does not exist. */
  private async findPredecessor(actor: Actor, id: string, orgId: string): Promise<LocatedTask> {
    const missing = () =>
      new DomainError("not_found", "Predecessor task not found", { errors: [{ path: "body.predecessorId", message: "is not a task you can see in this organization" }] });
    try {
      const found = await this.locator.find(actor, id);
      if (found.task.org_id !== orgId) throw missing();
      return found;
    } catch (err) {
      if (err instanceof DomainError && err.code === "not_found") throw missing();
      throw err;
    }
  }

  /**
   * Both ends of a link that has the task at one of its ends, as the actor sees
   * them (read before the transaction: its ends never change). The actor must be
   * able to change the task named in the path.
   */
  private async endsOf(actor: Actor, idOrKey: string, dependencyId: string): Promise<[LocatedTask, LocatedTask]> {
    const at = await this.locator.find(actor, idOrKey, "tasks.write");
    const row = await dependenciesRepo.byId(this.p.db, dependencyId);
    if (!row || (row.predecessor_id !== at.task.id && row.successor_id !== at.task.id)) throw notFound("Dependency");
    return [await this.locator.find(actor, row.predecessor_id), await this.locator.find(actor, row.successor_id)];
  }

  private async lock(tx: Tx, dependencyId: string): Promise<DependencyRow> {
    const row = await dependenciesRepo.lock(tx, dependencyId);
    if (!row) throw notFound("Dependency");
    return row;
  }

  private toDependency(row: DependencyRow, predecessor: LocatedTask, successor: LocatedTask) {
    return {
      id: row.id,
      predecessorId: row.predecessor_id,
      predecessorKey: keyOf(predecessor),
      successorId: row.successor_id,
      successorKey: keyOf(successor),
      type: row.type,
      lagDays: row.lag_days,
      createdAt: row.created_at,
    };
  }

  /** Activity on both tasks, one audit record, and the event in both projects' streams. */
  private async journal(
    tx: Tx,
    actor: Actor,
    [successor, predecessor]: [LocatedTask, LocatedTask],
    event: { type: string; data: Record<string, unknown> },
    what: {
      successor: [string, Record<string, unknown>];
      predecessor: [string, Record<string, unknown>];
      audit: { action: string; targetId: string; changes: Record<string, unknown> };
      /** A new or changed link may push its successor (and what follows) in automatic projects. */
      reschedule?: { changed: string; dependencyId: string };
    },
  ): Promise<void> {
    const journal = new TaskJournal(actor, successor.access.project);
    journal.record(successor.task.id, ...what.successor);
    journal.record(predecessor.task.id, ...what.predecessor);
    journal.emit(event.type, event.data);
    if (what.reschedule) await this.scheduling.reschedule(tx, journal, [what.reschedule.changed], { kind: "dependency", dependencyId: what.reschedule.dependencyId });
    await journal.flush(tx, { ...what.audit, targetType: "task_dependency" });
    const otherProject = predecessor.access.project;
    if (otherProject.id !== successor.access.project.id) {
      await emitEvents(tx, actor.userId, [{ type: event.type, orgId: otherProject.org_id, projectId: otherProject.id, data: event.data }]);
    }
  }
}
