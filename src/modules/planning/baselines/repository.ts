import type { Queryable, Tx } from "../../../platform/db/index.js";

export interface BaselineRow {
  id: string;
  project_id: string;
  name: string;
  created_by: string | null;
  created_at: string;
  task_count: number;
}

export interface BaselineTask {
  taskId: string;
  key: string;
  earlyStart: string;
  earlyFinish: string;
  durationDays: number;
  milestone: boolean;
  /** Its estimate when saved: the budget earned value plans with. null: none, or saved before baselines kept budgets. */
  estimateHours: number | null;
  /** null: saved before baselines kept it. */
  summary: boolean | null;
}

const cols = "b.id, b.project_id, b.name, b.created_by, b.created_at, (select count(*)::int from baseline_tasks bt where bt.baseline_id = b.id) as task_count";

export const baselinesRepo = {
  /** undefined when the project already has a baseline of that name. */
  async insert(tx: Tx, b: { id: string; orgId: string; projectId: string; name: string; createdBy: string }, tasks: BaselineTask[]): Promise<BaselineRow | undefined> {
    const r = await tx.query<{ id: string }>(
      "insert into baselines (id, org_id, project_id, name, created_by) values ($1, $2, $3, $4, $5) on conflict (project_id, name) do nothing returning id",
      [b.id, b.orgId, b.projectId, b.name, b.createdBy],
    );
    if (r.rows.length === 0) return undefined;
    await tx.query(
      `insert into baseline_tasks (baseline_id, task_id, key, early_start, early_finish, duration_days, milestone, estimate_hours, summary)
       select $1, x.t, x.k, x.s, x.f, x.d, x.m, x.e, x.y
         from unnest($2::uuid[], $3::text[], $4::date[], $5::date[], $6::int[], $7::boolean[], $8::numeric[], $9::boolean[]) as x(t, k, s, f, d, m, e, y)`,
      [
        b.id,
        tasks.map((t) => t.taskId),
        tasks.map((t) => t.key),
        tasks.map((t) => t.earlyStart),
        tasks.map((t) => t.earlyFinish),
        tasks.map((t) => t.durationDays),
        tasks.map((t) => t.milestone),
        tasks.map((t) => t.estimateHours),
        tasks.map((t) => t.summary),
      ],
    );
    return (await baselinesRepo.get(tx, b.projectId, b.id))!;
  },

  async list(q: Queryable, projectId: string): Promise<BaselineRow[]> {
    const r = await q.query<BaselineRow>(`select ${cols} from baselines b where b.project_id = $1 order by b.created_at desc, b.id`, [projectId]);
    return r.rows;
  },

  async get(q: Queryable, projectId: string, id: string): Promise<BaselineRow | undefined> {
    const r = await q.query<BaselineRow>(`select ${cols} from baselines b where b.project_id = $1 and b.id = $2`, [projectId, id]);
    return r.rows[0];
  },

  async tasks(q: Queryable, baselineId: string): Promise<BaselineTask[]> {
    const r = await q.query<{ list: [string, string, string, string, number, boolean, number | null, boolean | null][] }>(
      `select coalesce(json_agg(json_build_array(task_id, key, early_start, early_finish, duration_days, milestone, estimate_hours, summary)), '[]') as list
         from baseline_tasks where baseline_id = $1`,
      [baselineId],
    );
    return r.rows[0]!.list.map(([taskId, key, earlyStart, earlyFinish, durationDays, milestone, estimateHours, summary]) => ({
      taskId,
      key,
      earlyStart,
      earlyFinish,
      durationDays,
      milestone,
      estimateHours,
      summary,
    }));
  },

  async remove(tx: Tx, projectId: string, id: string): Promise<boolean> {
    const r = await tx.query("delete from baselines where project_id = $1 and id = $2", [projectId, id]);
    return r.rowCount > 0;
  },

  /**
   * When work really happened: the first worklog or status change (start), and for
   * tasks now in a done status, the last time they entered it (finish), as UTC dates.
   */
  async actuals(q: Queryable, projectId: string, doneStatuses: string[]): Promise<Map<string, { start: string | null; finish: string | null }>> {
    const r = await q.query<{ list: [string, string | null, string | null][] }>(
      `with project_tasks as (select id, status from tasks where project_id = $1),
            worked as (select w.task_id, min(w.work_date) as day from worklogs w join project_tasks t on t.id = w.task_id group by w.task_id),
            moved as (select a.task_id, min((a.at at time zone 'UTC')::date) as day from task_activity a join project_tasks t on t.id = a.task_id
                       where a.action in ('updated', 'moved') and a.changes ? 'status' group by a.task_id),
            finished as (select a.task_id, max((a.at at time zone 'UTC')::date) as day from task_activity a join project_tasks t on t.id = a.task_id
                          where t.status = any($2::text[]) and a.changes->'status'->>'to' = t.status group by a.task_id)
       select coalesce(json_agg(json_build_array(t.id, least(worked.day, moved.day), finished.day)), '[]') as list
         from project_tasks t left join worked on worked.task_id = t.id left join moved on moved.task_id = t.id left join finished on finished.task_id = t.id
        where worked.day is not null or moved.day is not null or finished.day is not null`,
      [projectId, doneStatuses],
    );
    return new Map(r.rows[0]!.list.map(([id, start, finish]) => [id, { start, finish }]));
  },
};
