import type { Database } from "../../platform/db/index.js";
import { factsRepo } from "./facts.repository.js";
import type { TaskLocator } from "./locate.js";
import { taskKey } from "./model.js";

/** A task as notifications describe it: who is involved and what its statuses are called. */
export interface TaskBrief {
  id: string;
  key: string;
  title: string;
  orgId: string;
  projectId: string;
  status: string;
  reporterId: string | null;
  assigneeId: string | null;
  dueDate: string | null;
  /** Workflow status key -> display name. */
  statusNames: Record<string, string>;
  /** Everyone mentioned in any comment on the task. */
  mentionedIds: string[];
}

export interface DueTask {
  id: string;
  key: string;
  title: string;
  orgId: string;
  projectId: string;
  assigneeId: string;
  dueDate: string;
}

/**
 * Read-only facts about tasks for other modules (notifications, reminders), so
 * they never query task tables themselves. No permission checks: callers decide
 * who may learn what, e.g. with canSee.
 */
export class TaskFacts {
  constructor(
    private readonly db: Database,
    private readonly locator: TaskLocator,
  ) {}

  /** The task now, or undefined when it was deleted or its project archived. */
  async brief(taskId: string): Promise<TaskBrief | undefined> {
    const r = await factsRepo.brief(this.db, taskId);
    if (!r) return undefined;
    return {
      id: r.id,
      key: taskKey(r.project_key, r.number),
      title: r.title,
      orgId: r.org_id,
      projectId: r.project_id,
      status: r.status,
      reporterId: r.reporter_id,
      assigneeId: r.assignee_id,
      dueDate: r.due_date,
      statusNames: Object.fromEntries(r.statuses.map((s) => [s.key, s.name])),
      mentionedIds: r.mentioned_ids,
    };
  }

  /** Open, assigned tasks due between two dates (inclusive), a page at a time in (dueDate, id) order. */
  async dueBetween(from: string, to: string, after: { dueDate: string; id: string } | undefined, limit: number): Promise<DueTask[]> {
    const rows = await factsRepo.dueBetween(this.db, from, to, after, limit);
    return rows.map((r) => ({ id: r.id, key: taskKey(r.project_key, r.number), title: r.title, orgId: r.org_id, projectId: r.project_id, assigneeId: r.assignee_id, dueDate: r.due_date }));
  }

  /** Whether a user may see a project's tasks now (org member; a guest only when added to the project). */
  async canSee(userId: string, projectId: string): Promise<boolean> {
    const access = await this.locator.visible({ userId, isInstanceAdmin: false, ip: "internal", requestId: "task-facts" }, projectId);
    return access !== undefined;
  }
}
