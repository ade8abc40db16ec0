import type { Actor } from "../../platform/actor.js";
import { BoundedMap } from "../../platform/bounded-map.js";
import type { Database } from "../../platform/db/index.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { isUuid } from "../../platform/ids.js";
import { cacheEntry, generation, type CacheEntry } from "../../platform/versioned-cache.js";
import { assertProjectCan, type ProjectAction } from "../projects/policy.js";
import type { ProjectAccess, ProjectsService } from "../projects/service.js";
import { tasksRepo, type TaskRow } from "./repository.js";

const TASK_KEY = /^([A-Za-z0-9]{2,10})-([1-9][0-9]{0,8})$/;
const TASK_TTL_SECONDS = 300;

export interface LocatedTask {
  task: TaskRow;
  access: ProjectAccess;
}

const taskEntry = (taskId: string) => cacheEntry<TaskRow | null>("task", `task:${taskId}`, [generation.task(taskId)], TASK_TTL_SECONDS);

/**
 * Finds a task by UUID or key (ENG-42) among the projects the actor can see.
 * Anything else, a task in another org, or in a project hidden from a guest, is
 * a 404; a visible task the actor may not change is a 403.
 *
 * A task seen before by this process is served from the cache together with the
 * access check, in one cache round trip; its row is cached under the task's own
 * generation, so a change to one task leaves the others cached.
 */
export class TaskLocator {
  // A task never moves to another project.
  private readonly projectOf = new BoundedMap<string, string>(200_000);

  constructor(
    private readonly db: Database,
    private readonly projects: ProjectsService,
  ) {}

  async find(actor: Actor, idOrKey: string, action: ProjectAction = "project.read"): Promise<LocatedTask> {
    const located = isUuid(idOrKey) ? await this.byId(actor, idOrKey) : await this.byKey(actor, idOrKey, action === "project.read");
    if (!located) throw notFound("Task");
    assertProjectCan(located.access.role, action);
    return located;
  }

  /** The caller's access to a project, or undefined when it is not theirs to see. */
  async visible(actor: Actor, projectId: string, extra?: readonly CacheEntry<unknown>[]): Promise<ProjectAccess | undefined> {
    try {
      return await this.projects.access(actor, projectId, "project.read", extra);
    } catch (err) {
      if (err instanceof DomainError && err.code === "not_found") return undefined;
      throw err;
    }
  }

  private async byId(actor: Actor, taskId: string): Promise<LocatedTask | undefined> {
    const projectId = this.projectOf.get(taskId);
    if (projectId === undefined) {
      const task = await tasksRepo.byId(this.db, taskId);
      if (!task) return undefined;
      this.projectOf.set(taskId, task.project_id);
      const access = await this.visible(actor, task.project_id);
      return access && { task, access };
    }
    const entry = taskEntry(taskId);
    const access = await this.visible(actor, projectId, [entry]);
    if (!access) return undefined;
    let task = access.cached.get(entry);
    if (task === undefined) {
      // The primary, not a replica: a row read from a lagging replica could be stored as current.
      task = (await tasksRepo.byId(this.db, taskId)) ?? null;
      access.cached.put(entry, task);
    }
    return task ? { task, access } : undefined;
  }

  /** A key names one task per org; the first the actor may see wins. Plain reads may come from a replica. */
  private async byKey(actor: Actor, key: string, readOnly: boolean): Promise<LocatedTask | undefined> {
    const m = TASK_KEY.exec(key);
    if (!m) return undefined;
    const q = readOnly ? this.db.readFor(actor) : this.db;
    for (const task of await tasksRepo.byKeyInOrgsOf(q, actor.userId, m[1]!.toUpperCase(), Number(m[2]))) {
      this.projectOf.set(task.id, task.project_id);
      const access = await this.visible(actor, task.project_id);
      if (access) return { task, access };
    }
    return undefined;
  }
}
