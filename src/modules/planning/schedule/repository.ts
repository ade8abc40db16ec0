import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { DependencyType } from "./cpm.js";

export interface ScheduleTaskRow {
  id: string;
  key: string;
  start_date: string | null;
  due_date: string | null;
  estimate_hours: number | null;
  milestone: boolean;
  parent_id: string | null;
}

export interface LinkRow {
  predecessor_id: string;
  successor_id: string;
  type: DependencyType;
  lag_days: number;
}

export type SchedulingMode = "manual" | "automatic";

export interface ReschedulableRow extends ScheduleTaskRow {
  project_id: string;
  automatic: boolean;
}

type TaskTuple = [id: string, key: string, start: string | null, due: string | null, estimate: number | null, milestone: boolean, parent: string | null];

const toTask = ([id, key, start_date, due_date, estimate_hours, milestone, parent_id]: TaskTuple): ScheduleTaskRow => ({ id, key, start_date, due_date, estimate_hours, milestone, parent_id });

// Links have no nullable and no free-text column, so they travel as one string
// "pred succ type lag,pred succ type lag,...": PGlite builds and hands over that
// string about three times faster than the same links as a JSON array.
const linkText = "predecessor_id || ' ' || successor_id || ' ' || type || ' ' || lag_days";

function parseLinks(list: string | null): LinkRow[] {
  if (!list) return [];
  return list.split(",").map((item) => {
    const [predecessor_id, successor_id, type, lag] = item.split(" ") as [string, string, DependencyType, string];
    return { predecessor_id, successor_id, type, lag_days: Number(lag) };
  });
}

// A schedule reads thousands of tasks and links at once. Each list comes back as
// one JSON array rather than as rows: PGlite turns 5,000 rows into objects four
// times slower than it parses the same data as one JSON value.
const taskTuple = "json_build_array(t.id, p.key || '-' || t.number, t.start_date, t.due_date, t.estimate_hours, t.milestone, t.parent_id)";

export const scheduleRepo = {
  async projectTasks(q: Queryable, projectId: string): Promise<ScheduleTaskRow[]> {
    const r = await q.query<{ list: TaskTuple[] }>(
      `select coalesce(json_agg(${taskTuple} order by t.number), '[]') as list
         from tasks t join projects p on p.id = t.project_id where t.project_id = $1`,
      [projectId],
    );
    return r.rows[0]!.list.map(toTask);
  },

  /** Links with at least one end in the project (the other end may be in another project). */
  async links(q: Queryable, projectId: string): Promise<LinkRow[]> {
    const r = await q.query<{ list: string | null }>(
      `select string_agg(${linkText}, ',') as list
         from task_dependencies
        where successor_project_id = $1 or (predecessor_project_id = $1 and successor_project_id <> $1)`,
      [projectId],
    );
    return parseLinks(r.rows[0]?.list ?? null);
  },

  /** Tasks of other (live) projects, by id. */
  async tasksById(q: Queryable, ids: string[]): Promise<ScheduleTaskRow[]> {
    if (ids.length === 0) return [];
    const r = await q.query<{ list: TaskTuple[] }>(
      `select coalesce(json_agg(${taskTuple}), '[]') as list
         from tasks t join projects p on p.id = t.project_id and p.archived_at is null where t.id = any($1::uuid[])`,
      [ids],
    );
    return r.rows[0]!.list.map(toTask);
  },

  /** Every link of the org with its type and lag (automatic scheduling walks downstream of a change). */
  async orgLinks(q: Queryable, orgId: string): Promise<LinkRow[]> {
    const r = await q.query<{ list: string | null }>(`select string_agg(${linkText}, ',') as list from task_dependencies where org_id = $1`, [orgId]);
    return parseLinks(r.rows[0]?.list ?? null);
  },

  /** Tasks of live projects by id, with whether their project schedules automatically. */
  async reschedulable(q: Queryable, ids: string[]): Promise<ReschedulableRow[]> {
    if (ids.length === 0) return [];
    const r = await q.query<{ list: [...TaskTuple, string, boolean][] }>(
      `select coalesce(json_agg(json_build_array(t.id, p.key || '-' || t.number, t.start_date, t.due_date, t.estimate_hours, t.milestone, t.parent_id,
                                                 t.project_id, coalesce(s.mode = 'automatic', false))), '[]') as list
         from tasks t join projects p on p.id = t.project_id and p.archived_at is null
         left join project_scheduling s on s.project_id = t.project_id
        where t.id = any($1::uuid[])`,
      [ids],
    );
    return r.rows[0]!.list.map(([id, key, start, due, estimate, milestone, parent, project_id, automatic]) => ({
      ...toTask([id, key, start, due, estimate, milestone, parent]),
      project_id,
      automatic,
    }));
  },

  /** Whether any project of the org schedules automatically (most orgs: none, and nothing to do). */
  async anyAutomatic(q: Queryable, orgId: string): Promise<boolean> {
    const r = await q.query("select 1 from project_scheduling where org_id = $1 and mode = 'automatic' limit 1", [orgId]);
    return r.rows.length > 0;
  },

  async mode(q: Queryable, projectId: string): Promise<SchedulingMode> {
    const r = await q.query<{ mode: SchedulingMode }>("select mode from project_scheduling where project_id = $1", [projectId]);
    return r.rows[0]?.mode ?? "manual";
  },

  async setMode(tx: Tx, projectId: string, orgId: string, mode: SchedulingMode): Promise<void> {
    await tx.query(
      `insert into project_scheduling (project_id, org_id, mode) values ($1, $2, $3)
       on conflict (project_id) do update set mode = excluded.mode, updated_at = now()`,
      [projectId, orgId, mode],
    );
  },
};
