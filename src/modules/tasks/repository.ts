import type { Queryable, Tx } from "../../platform/db/index.js";
import type { Priority } from "./schemas.js";

export interface TaskRow {
  id: string;
  org_id: string;
  project_id: string;
  project_key: string;
  number: number;
  title: string;
  description: string;
  status: string;
  priority: Priority;
  assignee_id: string | null;
  reporter_id: string | null;
  start_date: string | null;
  due_date: string | null;
  estimate_hours: number | null;
  spent_hours: number;
  progress: number;
  parent_id: string | null;
  labels: string[];
  milestone: boolean;
  rank: string;
  pending_approval_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The fields a write sets; everything else is the database's (version, timestamps, spent hours). */
export type TaskFields = {
  title: string;
  description: string;
  status: string;
  priority: Priority;
  assigneeId: string | null;
  startDate: string | null;
  dueDate: string | null;
  estimateHours: number | null;
  parentId: string | null;
  labels: string[];
  progress: number;
  milestone: boolean;
  rank: string;
};

// Tasks are always read with their project's key (for ENG-42) and never from an archived project.
export const taskCols = `t.id, t.org_id, t.project_id, p.key as project_key, t.number, t.title, t.description, t.status, t.priority,
  t.assignee_id, t.reporter_id, t.start_date, t.due_date, t.estimate_hours, t.spent_hours, t.progress, t.parent_id, t.labels,
  t.milestone, t.rank, t.pending_approval_id, t.version, t.created_at, t.updated_at`;
export const taskFrom = "tasks t join projects p on p.id = t.project_id and p.archived_at is null";

// Keyset cursors over timestamps carry exact microseconds since the epoch: rows
// reach JavaScript as ISO strings with milliseconds only, which would repeat rows.
export const micros = (column: string): string => `(extract(epoch from ${column}) * 1000000)::bigint`;
// Whole seconds and the remainder separately: PostgreSQL 15 multiplies intervals in floating point.
export const fromMicros = (param: string): string =>
  `(timestamptz 'epoch' + (${param}::bigint / 1000000) * interval '1 second' + (${param}::bigint % 1000000) * interval '1 microsecond')`;

// urgent=0 .. none=4, so sorting by priority_rank puts the most urgent first.
export const priorityRank = (p: Priority): number => ({ urgent: 0, high: 1, medium: 2, low: 3, none: 4 })[p];

// Task writes in one project take this lock first: ranks are computed from the
// neighbours' current keys and roll-ups walk up the tree, so writers of one
// project queue here instead of deadlocking on each other's rows.
const PROJECT_TASKS_LOCK = 72_640_002;

export const tasksRepo = {
  /** Marks (or clears) the approval a guarded transition waits for. */
  async setPendingApproval(tx: Tx, id: string, approvalId: string | null): Promise<TaskRow> {
    const r = await tx.query<TaskRow>(
      `with t as (update tasks set pending_approval_id = $2, version = version + 1, updated_at = now() where id = $1 returning *)
       select ${taskCols} from t join projects p on p.id = t.project_id`,
      [id, approvalId],
    );
    return r.rows[0]!;
  },

  async orgAndProject(q: Queryable, id: string): Promise<{ org_id: string; project_id: string } | undefined> {
    const r = await q.query<{ org_id: string; project_id: string }>("select org_id, project_id from tasks where id = $1", [id]);
    return r.rows[0];
  },

  async lockProject(tx: Tx, projectId: string): Promise<void> {
    await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [PROJECT_TASKS_LOCK, projectId]);
  },

  async insert(tx: Tx, t: TaskFields & { id: string; orgId: string; projectId: string; number: number; reporterId: string; searchTokens: string[] }): Promise<TaskRow> {
    const r = await tx.query<TaskRow>(
      `with t as (
         insert into tasks (id, org_id, project_id, number, title, description, status, priority, priority_rank, assignee_id, reporter_id,
                            start_date, due_date, estimate_hours, progress, parent_id, labels, rank, search_tokens, milestone)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::text[], $18, $19::text[], $20)
         returning *)
       select ${taskCols} from t join projects p on p.id = t.project_id`,
      [t.id, t.orgId, t.projectId, t.number, t.title, t.description, t.status, t.priority, priorityRank(t.priority), t.assigneeId, t.reporterId,
        t.startDate, t.dueDate, t.estimateHours, t.progress, t.parentId, t.labels, t.rank, t.searchTokens, t.milestone],
    );
    return r.rows[0]!;
  },

  async byId(q: Queryable, id: string): Promise<TaskRow | undefined> {
    const r = await q.query<TaskRow>(`select ${taskCols} from ${taskFrom} where t.id = $1`, [id]);
    return r.rows[0];
  },

  /** Inside a write: the current row, locked. */
  async lock(tx: Tx, id: string): Promise<TaskRow | undefined> {
    const r = await tx.query<TaskRow>(`select ${taskCols} from ${taskFrom} where t.id = $1 for update of t`, [id]);
    return r.rows[0];
  },

  /** A key like ENG-42 resolved across the orgs the user belongs to, in one statement. */
  async byKeyInOrgsOf(q: Queryable, userId: string, projectKey: string, number: number): Promise<TaskRow[]> {
    const r = await q.query<TaskRow>(
      `select ${taskCols} from ${taskFrom}
        where p.key = $2 and t.number = $3 and p.org_id in (select m.org_id from org_members m where m.user_id = $1)
        order by t.created_at, t.id`,
      [userId, projectKey, number],
    );
    return r.rows;
  },

  /** Writes every field; search tokens only when the text changed (null keeps them). */
  async update(tx: Tx, id: string, t: TaskFields, searchTokens: string[] | null): Promise<TaskRow> {
    const r = await tx.query<TaskRow>(
      `with t as (
         update tasks set title = $2, description = $3, status = $4, priority = $5, priority_rank = $6, assignee_id = $7,
                start_date = $8, due_date = $9, estimate_hours = $10, progress = $11, parent_id = $12, labels = $13::text[], rank = $14,
                search_tokens = coalesce($15::text[], search_tokens), milestone = $16, version = version + 1, updated_at = now()
          where id = $1 returning *)
       select ${taskCols} from t join projects p on p.id = t.project_id`,
      [id, t.title, t.description, t.status, t.priority, priorityRank(t.priority), t.assigneeId, t.startDate, t.dueDate,
        t.estimateHours, t.progress, t.parentId, t.labels, t.rank, searchTokens, t.milestone],
    );
    return r.rows[0]!;
  },

  /** The task and all its subtasks, deepest last, then deletes them (the foreign key cascades). */
  async deleteTree(tx: Tx, id: string): Promise<{ id: string; number: number; parent_id: string | null }[]> {
    const r = await tx.query<{ id: string; number: number; parent_id: string | null }>(
      `with recursive tree as (
         select id, number, parent_id, 0 as depth from tasks where id = $1
         union all
         select c.id, c.number, c.parent_id, tree.depth + 1 from tasks c join tree on c.parent_id = tree.id where tree.depth < 1000)
       select id, number, parent_id from tree order by depth, number`,
      [id],
    );
    await tx.query("delete from tasks where id = $1", [id]);
    return r.rows;
  },

  async hasChildren(q: Queryable, id: string): Promise<boolean> {
    const r = await q.query("select 1 from tasks where parent_id = $1 limit 1", [id]);
    return r.rows.length > 0;
  },

  /** The chain from `id` up to its root, `id` first. */
  async ancestry(q: Queryable, id: string): Promise<string[]> {
    const r = await q.query<{ id: string }>(
      `with recursive up as (
         select id, parent_id, 0 as depth from tasks where id = $1
         union all
         select t.id, t.parent_id, up.depth + 1 from tasks t join up on t.id = up.parent_id where up.depth < 1000)
       select id from up order by depth`,
      [id],
    );
    return r.rows.map((x) => x.id);
  },

  /**
   * Recomputes a parent's progress from its subtasks, weighted by estimate
   * (unestimated ones weigh 1; all-zero weights fall back to the plain average).
   * Returns the change, or undefined when the value stayed (or it has no subtasks).
   */
  async rollUpProgress(tx: Tx, parentId: string): Promise<{ id: string; number: number; parent_id: string | null; from: number; to: number; version: number } | undefined> {
    const r = await tx.query<{ id: string; number: number; parent_id: string | null; from: number; to: number; version: number }>(
      `with agg as (
         select case when sum(coalesce(estimate_hours, 1)) > 0
                     then round(sum(progress * coalesce(estimate_hours, 1)) / sum(coalesce(estimate_hours, 1)))
                     else round(avg(progress)) end::smallint as value
           from tasks where parent_id = $1),
       old as (select progress from tasks where id = $1)
       update tasks t set progress = agg.value, version = t.version + 1, updated_at = now()
         from agg, old
        where t.id = $1 and agg.value is not null and t.progress <> agg.value
       returning t.id, t.number, t.parent_id, old.progress as "from", t.progress as "to", t.version`,
      [parentId],
    );
    return r.rows[0];
  },

  /** Rank of the last task in a board column. */
  async lastRank(q: Queryable, projectId: string, status: string, excludeId: string | null): Promise<string | null> {
    const r = await q.query<{ rank: string }>(
      `select rank from tasks where project_id = $1 and status = $2 and ($3::uuid is null or id <> $3)
        order by rank desc, id desc limit 1`,
      [projectId, status, excludeId],
    );
    return r.rows[0]?.rank ?? null;
  },

  /** The nearest rank strictly above (`next`) or below (`previous`) `rank` in a column. */
  async neighbourRank(q: Queryable, projectId: string, status: string, rank: string, direction: "next" | "previous", excludeId: string): Promise<string | null> {
    const sql =
      direction === "next"
        ? "select rank from tasks where project_id = $1 and status = $2 and rank > $3 and id <> $4 order by rank limit 1"
        : "select rank from tasks where project_id = $1 and status = $2 and rank < $3 and id <> $4 order by rank desc limit 1";
    const r = await q.query<{ rank: string }>(sql, [projectId, status, rank, excludeId]);
    return r.rows[0]?.rank ?? null;
  },

  /** Automatic scheduling (planning module) moves a task's dates, in the transaction of the change that caused it. */
  async setDates(tx: Tx, id: string, startDate: string | null, dueDate: string | null): Promise<TaskRow | undefined> {
    const r = await tx.query<TaskRow>(
      `with t as (update tasks set start_date = $2, due_date = $3, version = version + 1, updated_at = now() where id = $1 returning *)
       select ${taskCols} from t join projects p on p.id = t.project_id`,
      [id, startDate, dueDate],
    );
    return r.rows[0];
  },

  /** Automatic assignment (planning module) gives a new task its assignee, in the task's creating transaction. */
  async setAssignee(tx: Tx, id: string, assigneeId: string): Promise<TaskRow | undefined> {
    const r = await tx.query<TaskRow>(
      `with t as (update tasks set assignee_id = $2, version = version + 1, updated_at = now() where id = $1 returning *)
       select ${taskCols} from t join projects p on p.id = t.project_id`,
      [id, assigneeId],
    );
    return r.rows[0];
  },

  /** Worklogs (planning module) add or take back hours, in their own transaction; undefined if the task is gone. */
  async addSpentHours(tx: Tx, id: string, delta: number): Promise<{ from: number; to: number; version: number } | undefined> {
    const before = await tx.query<{ spent_hours: number }>("select spent_hours from tasks where id = $1 for update", [id]);
    if (!before.rows[0]) return undefined;
    const r = await tx.query<{ spent_hours: number; version: number }>(
      "update tasks set spent_hours = greatest(0, spent_hours + $2), version = version + 1, updated_at = now() where id = $1 returning spent_hours, version",
      [id, delta],
    );
    return { from: before.rows[0].spent_hours, to: r.rows[0]!.spent_hours, version: r.rows[0]!.version };
  },

  async statusesInUse(q: Queryable, projectId: string): Promise<string[]> {
    const r = await q.query<{ status: string }>("select distinct status from tasks where project_id = $1", [projectId]);
    return r.rows.map((x) => x.status);
  },
};
