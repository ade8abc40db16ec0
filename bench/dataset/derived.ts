import { rankBetween } from "../../src/modules/tasks/rank.js";
import { indexTokens } from "../../src/modules/tasks/search.js";
import { diff } from "../../src/platform/diff.js";
import type { Derived, TaskRow } from "./rows.js";

// Values the application derives when a task is written, computed here with the
// tasks module's own functions so generated rows are indistinguishable from rows
// written through the API: search tokens (CJK bigrams, word prefixes), board
// ranks (fractional keys) and the activity entries of TasksService.create/update
// ("created" with every set field, then "updated" with the status change).

/** The fields TasksService records on create, without the empty ones (as its setFields does). */
function initialFields(t: TaskRow): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    title: t.title,
    description: t.description,
    status: "todo",
    priority: t.priority,
    assigneeId: t.assignee_id,
    startDate: t.start_date,
    dueDate: t.due_date,
    estimateHours: t.estimate_hours,
    parentId: t.parent_id,
    labels: t.labels,
    rank: t.rank,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)));
}

export const appDerived: Derived = {
  searchTokens: (title, description) => indexTokens(title, description),
  nextRank: (prev) => rankBetween(prev, null),
  activity: (t) => {
    const created = { action: "created", changes: diff({}, initialFields(t)), at: t.created_at, actorId: t.reporter_id };
    if (t.status === "todo") return [created];
    const moved = diff({ status: "todo", progress: 0 }, { status: t.status, progress: t.progress });
    return [created, { action: "updated", changes: moved, at: t.updated_at, actorId: t.assignee_id ?? t.reporter_id }];
  },
};
