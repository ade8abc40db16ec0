import type { Tx } from "../../platform/db/index.js";
import { DomainError } from "../../platform/errors.js";
import type { TaskJournal } from "./journal.js";
import { taskKey } from "./model.js";
import { tasksRepo } from "./repository.js";

const invalidParent = (message: string) => new DomainError("invalid_parent", `parentId ${message}`, { errors: [{ path: "body.parentId", message }] });

/** A parent must be a task of the same project and must not sit below the task itself. */
export async function assertValidParent(tx: Tx, projectId: string, taskId: string | null, parentId: string): Promise<void> {
  if (parentId === taskId) throw invalidParent("cannot be the task itself");
  const parent = await tasksRepo.byId(tx, parentId);
  if (!parent || parent.project_id !== projectId) throw invalidParent("is not a task of this project");
  if (taskId && (await tasksRepo.ancestry(tx, parentId)).includes(taskId)) throw invalidParent("is a subtask of this task (that would make a cycle)");
}

/**
 * Recomputes progress from `parentId` up the ancestor chain, in the caller's
 * transaction. Stops where a value does not change: nothing above it can.
 */
export async function rollUpFrom(tx: Tx, journal: TaskJournal, parentId: string | null): Promise<void> {
  let id = parentId;
  // The chain is acyclic (assertValidParent); the bound only guards against corrupt data.
  for (let depth = 0; id !== null && depth < 1000; depth++) {
    const r = await tasksRepo.rollUpProgress(tx, id);
    if (!r) return;
    const changes = { progress: { from: r.from, to: r.to } };
    journal.record(r.id, "progress_rolled_up", changes);
    journal.emit("task.updated", { id: r.id, key: taskKey(journal.project.key, r.number), version: r.version, changes });
    id = r.parent_id;
  }
}
