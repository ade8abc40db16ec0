import type { Queryable } from "../../platform/db/index.js";

export interface BriefRow {
  id: string;
  org_id: string;
  project_id: string;
  project_key: string;
  number: number;
  title: string;
  status: string;
  reporter_id: string | null;
  assignee_id: string | null;
  due_date: string | null;
  statuses: { key: string; name: string }[];
  mentioned_ids: string[];
}

export interface DueRow {
  id: string;
  org_id: string;
  project_id: string;
  project_key: string;
  number: number;
  title: string;
  assignee_id: string;
  due_date: string;
}

// Open = not in a status of the project's done category.
const OPEN = `not exists (select 1 from jsonb_array_elements(p.workflow -> 'statuses') s where s ->> 'key' = t.status and s ->> 'category' = 'done')`;

/** What other modules (notifications) may know about tasks without reading the tables themselves. */
export const factsRepo = {
  async brief(q: Queryable, id: string): Promise<BriefRow | undefined> {
    const r = await q.query<BriefRow>(
      `select t.id, t.org_id, t.project_id, p.key as project_key, t.number, t.title, t.status, t.reporter_id, t.assignee_id, t.due_date,
              coalesce((select jsonb_agg(jsonb_build_object('key', s ->> 'key', 'name', s ->> 'name')) from jsonb_array_elements(p.workflow -> 'statuses') s), '[]') as statuses,
              array(select distinct m from comments c, unnest(c.mentions) m where c.task_id = t.id)::text[] as mentioned_ids
         from tasks t join projects p on p.id = t.project_id and p.archived_at is null
        where t.id = $1`,
      [id],
    );
    return r.rows[0];
  },

  /** Open, assigned tasks due in [from, to], by (due date, id), after the given key. */
  async dueBetween(q: Queryable, from: string, to: string, after: { dueDate: string; id: string } | undefined, limit: number): Promise<DueRow[]> {
    const r = await q.query<DueRow>(
      `select t.id, t.org_id, t.project_id, p.key as project_key, t.number, t.title, t.assignee_id, t.due_date
         from tasks t join projects p on p.id = t.project_id and p.archived_at is null
        where t.due_date between $1::date and $2::date and t.assignee_id is not null and ${OPEN}
          ${after ? "and (t.due_date, t.id) > ($4::date, $5::uuid)" : ""}
        order by t.due_date, t.id limit $3`,
      [from, to, limit, ...(after ? [after.dueDate, after.id] : [])],
    );
    return r.rows;
  },
};
