import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { RecurrenceRule } from "./rule.js";

export interface RecurrenceTemplate {
  title: string;
  description?: string;
  priority?: "urgent" | "high" | "medium" | "low" | "none";
  assigneeId?: string | null;
  labels?: string[];
  estimateHours?: number | null;
  /** The due date is the occurrence date plus this many days (0: due the same day). */
  dueAfterDays?: number;
}

export interface RecurrenceRow {
  id: string;
  org_id: string;
  project_id: string;
  created_by: string;
  template: RecurrenceTemplate;
  rule: RecurrenceRule;
  start_date: string;
  end_date: string | null;
  max_count: number | null;
  last_date: string | null;
  created_count: number;
  next_date: string | null;
  created_at: string;
}

const cols = "id, org_id, project_id, created_by, template, rule, start_date, end_date, max_count, last_date, created_count, next_date, created_at";

export const recurrencesRepo = {
  async insert(tx: Tx, r: { id: string; orgId: string; projectId: string; createdBy: string; template: RecurrenceTemplate; rule: RecurrenceRule; startDate: string; endDate: string | null; maxCount: number | null; nextDate: string | null }): Promise<RecurrenceRow> {
    const res = await tx.query<RecurrenceRow>(
      `insert into recurrences (id, org_id, project_id, created_by, template, rule, start_date, end_date, max_count, next_date)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${cols}`,
      [r.id, r.orgId, r.projectId, r.createdBy, JSON.stringify(r.template), JSON.stringify(r.rule), r.startDate, r.endDate, r.maxCount, r.nextDate],
    );
    return res.rows[0]!;
  },

  async list(q: Queryable, projectId: string): Promise<RecurrenceRow[]> {
    const r = await q.query<RecurrenceRow>(`select ${cols} from recurrences where project_id = $1 order by created_at, id`, [projectId]);
    return r.rows;
  },

  async remove(tx: Tx, projectId: string, id: string): Promise<RecurrenceRow | undefined> {
    const r = await tx.query<RecurrenceRow>(`delete from recurrences where project_id = $1 and id = $2 returning ${cols}`, [projectId, id]);
    return r.rows[0];
  },

  /** Series with an occurrence due by `today`, oldest first. */
  async due(q: Queryable, today: string, limit: number): Promise<RecurrenceRow[]> {
    const r = await q.query<RecurrenceRow>(`select ${cols} from recurrences where next_date <= $1 order by next_date, id limit $2`, [today, limit]);
    return r.rows;
  },

  /** The series, locked, if still due; another node holding it makes this skip it. */
  async claim(tx: Tx, id: string, today: string): Promise<RecurrenceRow | undefined> {
    const r = await tx.query<RecurrenceRow>(`select ${cols} from recurrences where id = $1 and next_date <= $2 for update skip locked`, [id, today]);
    return r.rows[0];
  },

  /** false when that occurrence already exists. */
  async addOccurrence(tx: Tx, recurrenceId: string, date: string): Promise<boolean> {
    const r = await tx.query("insert into recurrence_occurrences (recurrence_id, occurrence_date) values ($1, $2) on conflict do nothing", [recurrenceId, date]);
    return r.rowCount > 0;
  },

  async setOccurrenceTask(tx: Tx, recurrenceId: string, date: string, taskId: string): Promise<void> {
    await tx.query("update recurrence_occurrences set task_id = $3 where recurrence_id = $1 and occurrence_date = $2", [recurrenceId, date, taskId]);
  },

  async advance(tx: Tx, id: string, lastDate: string | null, createdCount: number, nextDate: string | null): Promise<void> {
    await tx.query("update recurrences set last_date = $2, created_count = $3, next_date = $4, updated_at = now() where id = $1", [id, lastDate, createdCount, nextDate]);
  },

  async occurrences(q: Queryable, recurrenceId: string): Promise<{ occurrence_date: string; task_id: string | null }[]> {
    const r = await q.query<{ occurrence_date: string; task_id: string | null }>(
      "select occurrence_date, task_id from recurrence_occurrences where recurrence_id = $1 order by occurrence_date",
      [recurrenceId],
    );
    return r.rows;
  },
};
