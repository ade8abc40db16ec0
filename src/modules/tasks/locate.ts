import type { Actor } from "../../platform/actor.js";
import type { Database } from "../../platform/db/index.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { isUuid } from "../../platform/ids.js";
import { assertProjectCan, type ProjectAction } from "../projects/policy.js";
import type { ProjectAccess, ProjectsService } from "../projects/service.js";
import { tasksRepo, type TaskRow } from "./repository.js";

const TASK_KEY = /^([A-Za-z0-9]{2,10})-([1-9][0-9]{0,8})$/;

export interface LocatedTask {
  task: TaskRow;
  access: ProjectAccess;
}

/**
 * Finds a task by UUID or key (ENG-42) among the projects the actor can see.
 * Anything else, a task in another org, or in a project hidden from a guest, is
 * a 404; a visible task the actor may not change is a 403.
 */
export class TaskLocator {
  constructor(
    private readonly db: Database,
    private readonly projects: ProjectsService,
  ) {}

  async find(actor: Actor, idOrKey: string, action: ProjectAction = "project.read"): Promise<LocatedTask> {
    for (const task of await this.candidates(actor, idOrKey)) {
      const access = await this.visible(actor, task.project_id);
      if (!access) continue;
      assertProjectCan(access.role, action);
      return { task, access };
    }
    throw notFound("Task");
  }

  /** The caller's access to a project, or undefined when it is not theirs to see. */
  async visible(actor: Actor, projectId: string): Promise<ProjectAccess | undefined> {
    try {
      return await this.projects.access(actor, projectId);
    } catch (err) {
      if (err instanceof DomainError && err.code === "not_found") return undefined;
      throw err;
    }
  }

  private async candidates(actor: Actor, idOrKey: string): Promise<TaskRow[]> {
    if (isUuid(idOrKey)) {
      const task = await tasksRepo.byId(this.db, idOrKey);
      return task ? [task] : [];
    }
    const m = TASK_KEY.exec(idOrKey);
    if (!m) return [];
    const projectIds = await this.projects.idsForKey(actor, m[1]!.toUpperCase());
    return projectIds.length === 0 ? [] : tasksRepo.byNumber(this.db, projectIds, Number(m[2]));
  }
}
