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
    // One JSON array rather than rows: an org has thousands of open tasks, and both drivers
    // (PGlite most) build one JSON value far faster than thousands of row objects.
    const r = await q.query<{ list: [string, string, string, string | null, string | null, number][] }>(
      `with live as (select id, workflow from projects where org_id = $1 and archived_at is null),
            done as (select live.id as project_id, s->>'key' as status
                       from live, jsonb_array_elements(live.workflow->'statuses') s where s->>'category' = 'done')
       select coalesce(json_agg(json_build_array(t.id, t.assignee_id, t.project_id, t.start_date, t.due_date, (t.estimate_hours - t.spent_hours)::float8)), '[]') as list
         from live join tasks t on t.project_id = live.id
        where t.assignee_id is not null and t.estimate_hours > t.spent_hours
          and (t.start_date is null or t.start_date <= $3) and (t.due_date is null or t.due_date >= $2)
          and not exists (select 1 from done where done.project_id = t.project_id and done.status = t.status)`,
      [orgId, from, to],
    );
    return r.rows[0]!.list.map(([id, assignee_id, project_id, start_date, due_date, remaining_hours]) => ({ id, assignee_id, project_id, start_date, due_date, remaining_hours }));
  },

  async projectMemberIds(q: Queryable, projectId: string): Promise<string[]> {
    const r = await q.query<{ user_id: string }>("select user_id from project_members where project_id = $1", [projectId]);
    return r.rows.map((x) => x.user_id);
  },
};
