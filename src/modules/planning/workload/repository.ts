import type { Queryable } from "../../../platform/db/index.js";

export interface OpenTaskRow {
  id: string;
  assignee_id: string;
  project_id: string;
  start_date: string | null;
  due_date: string | null;
  remaining_hours: number;
}

export const workloadRepo = {
  /**
   * Assigned tasks of the org's live projects that are not in a done-category status and have
   * hours left, whose dates may reach into [from, to] (undated ones too: they are unscheduled).
   */
  async openTasks(q: Queryable, orgId: string, from: string, to: string): Promise<OpenTaskRow[]> {
    const r = await q.query<OpenTaskRow>(
      `with live as (select id, workflow from projects where org_id = $1 and archived_at is null),
            done as (select live.id as project_id, s->>'key' as status
                       from live, jsonb_array_elements(live.workflow->'statuses') s where s->>'category' = 'done')
       select t.id, t.assignee_id, t.project_id, t.start_date, t.due_date, (t.estimate_hours - t.spent_hours)::float8 as remaining_hours
         from live join tasks t on t.project_id = live.id
        where t.assignee_id is not null and t.estimate_hours > t.spent_hours
          and (t.start_date is null or t.start_date <= $3) and (t.due_date is null or t.due_date >= $2)
          and not exists (select 1 from done where done.project_id = t.project_id and done.status = t.status)`,
      [orgId, from, to],
    );
    return r.rows;
  },

  async projectMemberIds(q: Queryable, projectId: string): Promise<string[]> {
    const r = await q.query<{ user_id: string }>("select user_id from project_members where project_id = $1", [projectId]);
    return r.rows.map((x) => x.user_id);
  },
};
