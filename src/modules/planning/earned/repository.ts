import type { Queryable } from "../../../platform/db/index.js";

export interface ProgressRow {
  id: string;
  createdOn: string;
  progress: number;
  /** Every recorded change of its percent complete, oldest first (UTC days). */
  changes: { on: string; from: number | null; to: number }[];
}

type ChangeTuple = [on: string, from: number | null, to: number];

export const earnedRepo = {
  /** A project's tasks with the history of their percent complete, from the task activity. */
  async progressHistory(q: Queryable, projectId: string): Promise<ProgressRow[]> {
    const r = await q.query<{ list: [string, string, number, ChangeTuple[]][] }>(
      `select coalesce(json_agg(json_build_array(t.id, (t.created_at at time zone 'UTC')::date, t.progress,
                (select coalesce(json_agg(json_build_array((a.at at time zone 'UTC')::date, a.changes->'progress'->'from', a.changes->'progress'->'to') order by a.id), '[]')
                   from task_activity a where a.task_id = t.id and a.changes ? 'progress'))), '[]') as list
         from tasks t where t.project_id = $1`,
      [projectId],
    );
    return r.rows[0]!.list.map(([id, createdOn, progress, changes]) => ({ id, createdOn, progress, changes: changes.map(([on, from, to]) => ({ on, from, to })) }));
  },

  /** Hours logged on the project's tasks, per day. */
  async hoursPerDay(q: Queryable, projectId: string): Promise<{ on: string; hours: number }[]> {
    const r = await q.query<{ list: [string, number][] }>(
      `select coalesce(json_agg(json_build_array(day, hours)), '[]') as list
         from (select w.work_date as day, sum(w.hours) as hours from worklogs w join tasks t on t.id = w.task_id
                where t.project_id = $1 group by w.work_date) d`,
      [projectId],
    );
    return r.rows[0]!.list.map(([on, hours]) => ({ on, hours }));
  },
};
