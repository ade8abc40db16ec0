import type { TaskFields, TaskRow } from "./repository.js";

export const taskKey = (projectKey: string, number: number): string => `${projectKey}-${number}`;

export const toTask = (t: TaskRow) => ({
  id: t.id,
  key: taskKey(t.project_key, t.number),
  number: t.number,
  projectId: t.project_id,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assigneeId: t.assignee_id,
  reporterId: t.reporter_id,
  startDate: t.start_date,
  dueDate: t.due_date,
  estimateHours: t.estimate_hours,
  spentHours: t.spent_hours,
  progress: t.progress,
  parentId: t.parent_id,
  labels: t.labels,
  milestone: t.milestone,
  rank: t.rank,
  pendingApprovalId: t.pending_approval_id,
  version: t.version,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});

export type TaskJson = ReturnType<typeof toTask>;

/** The writable state of a stored task, in the shape writes use. */
export const fieldsOf = (t: TaskRow): TaskFields => ({
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assigneeId: t.assignee_id,
  startDate: t.start_date,
  dueDate: t.due_date,
  estimateHours: t.estimate_hours,
  parentId: t.parent_id,
  labels: t.labels,
  progress: t.progress,
  milestone: t.milestone,
  rank: t.rank,
});
