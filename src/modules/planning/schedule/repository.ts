import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { DependencyType, Link } from "./cpm.js";
import type { PlannedTask } from "./plan.js";

export type SchedulingMode = "manual" | "automatic";

/** A task the rescheduler may move: its plan fields, its project and whether that schedules automatically. */
export interface ReschedulableRow extends PlannedTask {
  projectId: string;
  automatic: boolean;
}

type TaskTuple = [id: string, key: string, start: string | null, due: string | null, estimate: number | null, milestone: boolean, parent: string | null];

const toPlanned = ([id, key, startDate, dueDate, estimateHours, milestone, parentId]: TaskTuple): PlannedTask => ({ id, key, startDate, dueDate, estimateHours, milestone, parentId });

// A schedule reads thousands of tasks and links at once, so they come back as one
// value rather than as rows (PGlite turns 5,000 rows into objects four times slower
// than it parses the same data as one value). None of the columns holds free text,
// so the biggest lists travel as one string of space-separated fields and
// comma-separated records: PGlite builds and hands over that string two to three
// times faster than a JSON array, and it parses without a JSON pass.

/** Reads such a list field by field; an empty field is null. */
class FieldReader {
  private at = 0;
  constructor(private readonly list: string) {}

  get done(): boolean {
    return this.at >= this.list.length;
  }

  text(): string | null {
    const { list } = this;
    let end = this.at;
    while (end < list.length && list.charCodeAt(end) !== SPACE && list.charCodeAt(end) !== COMMA) end++;
    const value = end === this.at ? null : list.slice(this.at, end);
    this.at = end + 1;
    return value;
  }

  number(): number | null {
    const value = this.text();
    return value === null ? null : Number(value);
  }

  /** A whole number, read in place (no string to keep or collect). */
  integer(): number {
    const { list } = this;
    const negative = list.charCodeAt(this.at) === MINUS;
    let at = negative ? this.at + 1 : this.at;
    let value = 0;
    for (let c = list.charCodeAt(at); c >= 48 && c <= 57; c = list.charCodeAt(++at)) value = value * 10 + (c - 48);
    this.at = at + 1;
    return negative ? -value : value;
  }
}
const SPACE = 32;
const COMMA = 44;
const MINUS = 45;

/** The link's type as the shared literal: thousands of links keep no copies of "FS". */
const dependencyType = (text: string | null): DependencyType => (text === "SS" ? "SS" : text === "FF" ? "FF" : text === "SF" ? "SF" : "FS");
/** "pred succ type lag" (concat_ws: a little cheaper for PostgreSQL than chained ||). */
const linkText = "concat_ws(' ', predecessor_id, successor_id, type, lag_days)";

function parseLinks(list: string | null): Link[] {
  const links: Link[] = [];
  const r = new FieldReader(list ?? "");
  while (!r.done) links.push({ predecessorId: r.text()!, successorId: r.text()!, type: dependencyType(r.text()), lag: r.integer() });
  return links;
}

/** A project's tasks in number order, as "id number start due estimate milestone(0|1) parent". */
const taskList = `string_agg(concat_ws(' ', t.id, t.number, coalesce(t.start_date::text, ''), coalesce(t.due_date::text, ''),
                                      coalesce(t.estimate_hours::text, ''), t.milestone::int, coalesce(t.parent_id::text, '')), ',' order by t.number)`;

function parseTasks(keyPrefix: string, list: string | null): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  const r = new FieldReader(list ?? "");
  while (!r.done) {
    const id = r.text()!;
    const key = keyPrefix + r.text()!;
    tasks.push({ id, key, startDate: r.text(), dueDate: r.text(), estimateHours: r.number(), milestone: r.text() === "1", parentId: r.text() });
  }
  return tasks;
}

const taskTuple = "json_build_array(t.id, p.key || '-' || t.number, t.start_date, t.due_date, t.estimate_hours, t.milestone, t.parent_id)";

export const scheduleRepo = {
  /** The project's tasks in number order (none if there is no such project). */
  async projectTasks(q: Queryable, projectId: string): Promise<PlannedTask[]> {
    const r = await q.query<{ key: string; list: string | null }>(
      `select p.key, (select ${taskList} from tasks t where t.project_id = p.id) as list from projects p where p.id = $1`,
      [projectId],
    );
    const row = r.rows[0];
    return row ? parseTasks(`${row.key}-`, row.list) : [];
  },

  /**
   * Links with at least one end in the project, and the tasks of other projects at their
   * other ends (named here so the schedule need not look up thousands of ids to find them).
   */
  async links(q: Queryable, projectId: string): Promise<{ links: Link[]; elsewhere: string[] }> {
    const r = await q.query<{ list: string | null; elsewhere: string[] | null }>(
      `select string_agg(${linkText}, ',') as list,
              array_agg(distinct case when successor_project_id = $1 then predecessor_id else successor_id end)
                filter (where predecessor_project_id <> successor_project_id)::text[] as elsewhere
         from task_dependencies
        where successor_project_id = $1 or (predecessor_project_id = $1 and successor_project_id <> $1)`,
      [projectId],
    );
    return { links: parseLinks(r.rows[0]?.list ?? null), elsewhere: r.rows[0]?.elsewhere ?? [] };
  },

  /** Tasks of other (live) projects, by id. */
  async tasksById(q: Queryable, ids: string[]): Promise<PlannedTask[]> {
    if (ids.length === 0) return [];
    const r = await q.query<{ list: TaskTuple[] }>(
      `select coalesce(json_agg(${taskTuple}), '[]') as list
         from tasks t join projects p on p.id = t.project_id and p.archived_at is null where t.id = any($1::uuid[])`,
      [ids],
    );
    return r.rows[0]!.list.map(toPlanned);
  },

  /** Every link of the org with its type and lag (automatic scheduling walks downstream of a change). */
  async orgLinks(q: Queryable, orgId: string): Promise<Link[]> {
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
    return r.rows[0]!.list.map(([id, key, start, due, estimate, milestone, parent, projectId, automatic]) => ({
      ...toPlanned([id, key, start, due, estimate, milestone, parent]),
      projectId,
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
