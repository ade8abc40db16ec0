import type { Queryable, Tx } from "../../../platform/db/index.js";

export interface WorklogRow {
  id: string;
  task_id: string;
  user_id: string | null;
  work_date: string;
  hours: number;
  note: string;
  created_at: string;
}

const cols = "id, task_id, user_id, work_date, hours, note, created_at";

// One person's worklogs are written one at a time, so the 24-hours-a-day check sees every hour.
const USER_WORKLOG_LOCK = 72_640_022;

export const worklogsRepo = {
  async lockUser(tx: Tx, userId: string): Promise<void> {
    await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [USER_WORKLOG_LOCK, userId]);
  },

  async hoursOn(q: Queryable, userId: string, date: string): Promise<number> {
    const r = await q.query<{ h: number }>("select coalesce(sum(hours), 0)::numeric as h from worklogs where user_id = $1 and work_date = $2", [userId, date]);
    return r.rows[0]!.h;
  },

  async insert(tx: Tx, w: { id: string; orgId: string; taskId: string; userId: string; date: string; hours: number; note: string }): Promise<WorklogRow> {
    const r = await tx.query<WorklogRow>(
      `insert into worklogs (id, org_id, task_id, user_id, work_date, hours, note) values ($1, $2, $3, $4, $5, $6, $7) returning ${cols}`,
      [w.id, w.orgId, w.taskId, w.userId, w.date, w.hours, w.note],
    );
    return r.rows[0]!;
  },

  async byId(q: Queryable, id: string): Promise<WorklogRow | undefined> {
    const r = await q.query<WorklogRow>(`select ${cols} from worklogs where id = $1`, [id]);
    return r.rows[0];
  },

  async remove(tx: Tx, id: string): Promise<WorklogRow | undefined> {
    const r = await tx.query<WorklogRow>(`delete from worklogs where id = $1 returning ${cols}`, [id]);
    return r.rows[0];
  },

  /** Latest work first, after the (date, id) of the cursor. */
  async page(q: Queryable, taskId: string, after: { date: string; id: string } | undefined, limit: number): Promise<WorklogRow[]> {
    const r = await q.query<WorklogRow>(
      `select ${cols} from worklogs
        where task_id = $1 and ($2::date is null or (work_date, id) < ($2::date, $3::uuid))
        order by work_date desc, id desc limit $4`,
      [taskId, after?.date ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },
};
