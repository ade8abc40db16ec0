import { taskId, type Plan, type PlanProject } from "./plan.js";
import { rng, stableUuid } from "./random.js";
import { commentBody, taskDescription, taskLabels, taskTitle } from "./text.js";

// Task, activity and comment rows for one project, streamed in batches so the
// large tier (1M tasks, 3M comments) never sits in memory at once. Column names
// are the real table's (migrations/001_foundation.sql).

/** Values the application derives itself; the loader gets them from the tasks module. */
export interface Derived {
  searchTokens(title: string, description: string): string[];
  /** The rank after prev in a board column (prev null = first card). */
  nextRank(prev: string | null): string;
  /** The activity rows a task has after being created (and moved to its status). */
  activity(t: TaskRow): { action: string; changes: unknown; at: string; actorId: string | null }[];
}

export interface TaskRow {
  id: string;
  org_id: string;
  project_id: string;
  number: number;
  title: string;
  description: string;
  status: string;
  priority: string;
  priority_rank: number;
  assignee_id: string | null;
  reporter_id: string | null;
  start_date: string | null;
  due_date: string | null;
  estimate_hours: number | null;
  spent_hours: number;
  progress: number;
  parent_id: string | null;
  labels: string[];
  rank: string;
  search_tokens: string[];
  created_at: string;
  updated_at: string;
}

export interface ActivityRow {
  org_id: string;
  task_id: string;
  actor_id: string | null;
  action: string;
  changes: unknown;
  at: string;
}

export interface DependencyRow {
  id: string;
  org_id: string;
  predecessor_id: string;
  successor_id: string;
  predecessor_project_id: string;
  successor_project_id: string;
  type: "FS" | "SS" | "FF" | "SF";
  lag_days: number;
  created_by: string | null;
  created_at: string;
}

export interface WorklogRow {
  id: string;
  org_id: string;
  task_id: string;
  user_id: string | null;
  work_date: string;
  hours: number;
  created_at: string;
}

export interface CommentRow {
  id: string;
  org_id: string;
  task_id: string;
  author_id: string | null;
  body: string;
  mentions: string[];
  created_at: string;
  updated_at: string;
}

const DAY = 86_400_000;
const PRIORITIES = [["urgent", 0, 4], ["high", 1, 14], ["medium", 2, 35], ["low", 3, 17], ["none", 4, 30]] as const;
const ESTIMATES = [1, 2, 3, 4, 6, 8, 16, 24, 40] as const;
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Workers nearer the front of the list get more work, as in real teams. */
function pickWorker(r: ReturnType<typeof rng>, workers: number[]): number | undefined {
  if (workers.length === 0) return undefined;
  const i = Math.floor(Math.pow(r.next(), 1.6) * workers.length);
  return workers[Math.min(i, workers.length - 1)];
}

export interface ProjectTasks {
  /** created_at (ms) of task number n at index n - 1; comments come after their task. */
  createdAt: Float64Array;
}

export interface TaskBatch {
  tasks: TaskRow[];
  activity: ActivityRow[];
  dependencies: DependencyRow[];
  worklogs: WorklogRow[];
}

/** Tables that exist only once later migrations ran; rows for them are generated only then. */
export interface Optional {
  dependencies: boolean;
  /** With worklogs, spent_hours is their sum (as the planning module keeps it). */
  worklogs: boolean;
}

/** Tasks of a project in batches, oldest first; activity rows ride along with their tasks. */
export function* taskBatches(
  plan: Plan,
  project: PlanProject,
  derived: Derived,
  batchSize: number,
  out: ProjectTasks,
  optional: Optional = { dependencies: false, worklogs: false },
): Generator<TaskBatch> {
  const r = rng(`${plan.seed}/tasks/${project.index}`);
  const org = plan.orgs[project.orgIndex]!;
  const anchor = plan.anchor.getTime();
  const n = project.taskCount;
  // The project started up to a year ago; small projects are often younger.
  const span = Math.max(14, Math.min(365, 30 + n / 10)) * DAY;
  const start = anchor - span;
  const isParent = new Uint8Array(n + 1);
  const lastRank = new Map<string, string>();
  const users = plan.users;
  let batch: TaskBatch = { tasks: [], activity: [], dependencies: [], worklogs: [] };

  for (let num = 1; num <= n; num++) {
    const age = 1 - num / n; // 1 = oldest
    const created = start + (num / n) * span - r.int(0, 6 * 3_600_000);
    out.createdAt[num - 1] = created;
    const status = r.weighted([
      ["done", 0.05 + 0.7 * age],
      ["in_review", 0.08],
      ["in_progress", 0.1 + 0.15 * (1 - age)],
      ["todo", 0.15 + 0.35 * (1 - age)],
    ] as const);
    const [priority, priorityRank] = r.weighted(PRIORITIES.map(([p, rank, w]) => [[p, rank] as const, w] as const));
    const assignee = r.chance(0.85) ? pickWorker(r, project.workers) : undefined;
    const reporter = pickWorker(r, project.workers) ?? project.createdBy;
    const hasDue = r.chance(0.65);
    const dueDays = r.int(2, 60);
    const dueMs = created + dueDays * DAY;
    // A start date never follows the due date (the API refuses that on every later update).
    const startDate = hasDue && r.chance(0.5) ? isoDate(created + r.int(0, Math.min(3, dueDays)) * DAY) : null;
    const estimate = r.chance(0.6) ? r.pick(ESTIMATES) : null;
    const progress = status === "done" ? 100 : status === "in_review" ? r.int(80, 95) : status === "in_progress" ? r.int(10, 70) : 0;
    const spent = estimate !== null && progress > 0 ? Math.round(estimate * (progress / 100) * (0.6 + r.next()) * 4) / 4 : 0;
    // About 15% are subtasks of a recent top-level task of the same project.
    let parent: number | null = null;
    if (num > 5 && r.chance(0.15)) {
      const candidate = num - r.int(1, Math.min(40, num - 1));
      if (isParent[candidate] !== 2) parent = candidate;
    }
    if (parent !== null) {
      isParent[num] = 2;
      isParent[parent] = 1;
    }
    const title = taskTitle(r);
    const chinese = /[\u4e00-\u9fff]/.test(title);
    const description = taskDescription(r, chinese);
    const updated = Math.min(anchor, created + r.int(0, status === "todo" ? 2 : 20) * DAY + r.int(0, 3_600_000));
    const rank = derived.nextRank(lastRank.get(status) ?? null);
    lastRank.set(status, rank);
    const id = taskId(plan.seed, project.index, num);
    const reporterId = users[reporter]!.id;
    const createdIso = new Date(created).toISOString();
    const updatedIso = new Date(updated).toISOString();
    const task: TaskRow = {
      id,
      org_id: org.id,
      project_id: project.id,
      number: num,
      title,
      description,
      status,
      priority,
      priority_rank: priorityRank,
      assignee_id: assignee === undefined ? null : users[assignee]!.id,
      reporter_id: reporterId,
      start_date: startDate,
      due_date: hasDue ? isoDate(dueMs) : null,
      estimate_hours: estimate,
      spent_hours: spent,
      progress,
      parent_id: parent === null ? null : taskId(plan.seed, project.index, parent),
      labels: taskLabels(r),
      rank,
      search_tokens: derived.searchTokens(title, description),
      created_at: createdIso,
      updated_at: updatedIso,
    };
    batch.tasks.push(task);
    for (const a of derived.activity(task)) {
      batch.activity.push({ org_id: org.id, task_id: id, actor_id: a.actorId, action: a.action, changes: a.changes, at: a.at });
    }
    // About 8% of tasks wait on a recent task of the same project; edges always point
    // from a lower to a higher number, so the graph has no cycle. The random draws are
    // made whether or not the tables exist, so the other rows do not depend on the schema.
    const dependsOn = num > 10 && r.chance(0.08) ? num - r.int(1, Math.min(15, num - 1)) : 0;
    const depType = r.weighted([["FS", 85], ["SS", 10], ["FF", 5]] as const);
    const lag = r.chance(0.8) ? 0 : r.int(1, 3);
    if (optional.dependencies && dependsOn > 0) {
      batch.dependencies.push({
        id: stableUuid(plan.seed, "dependency", `${project.index}:${num}`),
        org_id: org.id,
        predecessor_id: taskId(plan.seed, project.index, dependsOn),
        successor_id: id,
        predecessor_project_id: project.id,
        successor_project_id: project.id,
        type: depType,
        lag_days: lag,
        created_by: reporterId,
        created_at: createdIso,
      });
    }
    // Work is logged in pieces of at most 8 hours that add up to spent_hours exactly.
    const daysSinceCreated = Math.max(0, Math.floor((anchor - created) / DAY));
    let left = spent;
    for (let k = 0; left > 0; k++) {
      const hoursLogged = Math.min(8, left);
      left = Math.round((left - hoursLogged) * 100) / 100;
      const day = Math.min(anchor, created + r.int(0, daysSinceCreated) * DAY);
      if (!optional.worklogs) continue;
      batch.worklogs.push({
        id: stableUuid(plan.seed, "worklog", `${project.index}:${num}:${k}`),
        org_id: org.id,
        task_id: id,
        user_id: task.assignee_id ?? reporterId,
        work_date: isoDate(day),
        hours: hoursLogged,
        created_at: new Date(day).toISOString(),
      });
    }
    if (batch.tasks.length >= batchSize) {
      yield batch;
      batch = { tasks: [], activity: [], dependencies: [], worklogs: [] };
    }
  }
  if (batch.tasks.length > 0) yield batch;
}

/** Comments of a project: most tasks get a few, a hot minority gets many. */
export function* commentBatches(plan: Plan, project: PlanProject, created: ProjectTasks, batchSize: number): Generator<CommentRow[]> {
  const r = rng(`${plan.seed}/comments/${project.index}`);
  const org = plan.orgs[project.orgIndex]!;
  const anchor = plan.anchor.getTime();
  const n = project.taskCount;
  const people = project.workers.length > 0 ? project.workers : [project.createdBy];
  const hot = Math.max(1, Math.floor(n / 20));
  let batch: CommentRow[] = [];
  for (let k = 0; k < project.commentCount; k++) {
    // 30% of comments land on the 5% most discussed tasks.
    const num = r.chance(0.3) ? r.int(1, hot) * Math.max(1, Math.floor(n / hot)) : r.int(1, n);
    const taskNum = Math.min(n, Math.max(1, num));
    const taskCreated = created.createdAt[taskNum - 1]!;
    const at = new Date(taskCreated + r.next() * Math.max(60_000, anchor - taskCreated)).toISOString();
    const author = plan.users[people[r.int(0, people.length - 1)]!]!;
    const mentioned = r.chance(0.1) ? plan.users[people[r.int(0, people.length - 1)]!] : undefined;
    const mention = mentioned && mentioned.index !== author.index ? mentioned : undefined;
    batch.push({
      id: stableUuid(plan.seed, "comment", `${project.index}:${k}`),
      org_id: org.id,
      task_id: taskId(plan.seed, project.index, taskNum),
      author_id: author.id,
      body: commentBody(r, author.locale === "zh-CN", mention?.name),
      mentions: mention ? [mention.id] : [],
      created_at: at,
      updated_at: at,
    });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
