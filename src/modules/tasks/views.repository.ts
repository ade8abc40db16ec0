import type { Queryable } from "../../platform/db/index.js";
import { fromMicros, micros, taskCols, taskFrom, type TaskRow } from "./repository.js";
import type { TaskSort } from "./schemas.js";

// Read models: lists, the board, the summary and "my tasks". Every list is keyset
// paginated on an index of migrations/001 (no OFFSET), so a page costs the same
// at row 10 and at row 100,000, and rows inserted between pages never shift it.

export interface TaskFilters {
  status?: string;
  assigneeId?: string;
  label?: string;
  parentId?: string;
  /** Search tokens every match must hold (GIN index). */
  tokens?: string[];
  /** ILIKE patterns every match must satisfy on its title or description. */
  patterns?: string[];
  dueBefore?: string;
}

// $1 is the project; the filters are $2..$8. A null parameter switches its filter
// off (PostgreSQL plans each query with the actual values, so it folds away).
const FILTERS = `
  and ($2::text is null or t.status = $2)
  and ($3::uuid is null or t.assignee_id = $3)
  and ($4::text is null or t.labels @> array[$4::text])
  and ($5::uuid is null or t.parent_id = $5)
  and ($6::text[] is null or t.search_tokens @> $6::text[])
  and ($7::text[] is null or not exists (
        select 1 from unnest($7::text[]) as term(pattern)
         where not (normalize(t.title, NFKC) ilike term.pattern or normalize(t.description, NFKC) ilike term.pattern)))
  and ($8::date is null or t.due_date < $8)`;

const filterParams = (f: TaskFilters): unknown[] => [
  f.status ?? null,
  f.assigneeId ?? null,
  f.label ?? null,
  f.parentId ?? null,
  f.tokens && f.tokens.length > 0 ? f.tokens : null,
  f.patterns && f.patterns.length > 0 ? f.patterns : null,
  f.dueBefore ?? null,
];

const DUE = "coalesce(t.due_date, date '9999-12-31')";

// Each sort: the key a cursor carries, the order, and the keyset predicate ($10 key, $11 id).
const SORTS: Record<TaskSort, { key: string; order: string; after: string }> = {
  created: { key: micros("t.created_at"), order: "t.created_at, t.id", after: `(t.created_at, t.id) > (${fromMicros("$10")}, $11::uuid)` },
  "-created": { key: micros("t.created_at"), order: "t.created_at desc, t.id desc", after: `(t.created_at, t.id) < (${fromMicros("$10")}, $11::uuid)` },
  due: { key: DUE, order: `${DUE}, t.id`, after: `(${DUE}, t.id) > ($10::date, $11::uuid)` },
  priority: { key: "t.priority_rank", order: "t.priority_rank, t.id", after: "(t.priority_rank, t.id) > ($10::smallint, $11::uuid)" },
  updated: { key: micros("t.updated_at"), order: "t.updated_at desc, t.id desc", after: `(t.updated_at, t.id) < (${fromMicros("$10")}, $11::uuid)` },
};

export type SortedTaskRow = TaskRow & { sort_key: string | number };

export interface SummaryRow {
  status: string;
  n: number;
  overdue: number;
  due_this_week: number;
  weighted: number;
  weight: number;
  progress_sum: number;
  top_level: number;
}

export const taskViewsRepo = {
  async page(q: Queryable, projectId: string, f: TaskFilters, sort: TaskSort, after: { key: string | number; id: string } | undefined, limit: number): Promise<SortedTaskRow[]> {
    const s = SORTS[sort];
    const r = await q.query<SortedTaskRow>(
      `select ${taskCols}, ${s.key} as sort_key from ${taskFrom}
        where t.project_id = $1 ${FILTERS} ${after ? `and ${s.after}` : ""}
        order by ${s.order} limit $9`,
      [projectId, ...filterParams(f), limit, ...(after ? [after.key, after.id] : [])],
    );
    return r.rows;
  },

  async columnTotals(q: Queryable, projectId: string, f: TaskFilters): Promise<Map<string, number>> {
    const r = await q.query<{ status: string; total: number }>(
      `select t.status, count(*)::int as total from tasks t where t.project_id = $1 ${FILTERS} group by t.status`,
      [projectId, ...filterParams(f)],
    );
    return new Map(r.rows.map((x) => [x.status, x.total]));
  },

  /** The first `perColumn` tasks by rank of each status, in one query (index: project, status, rank). */
  async columnHeads(q: Queryable, projectId: string, f: TaskFilters, statuses: string[], perColumn: number): Promise<TaskRow[]> {
    const r = await q.query<TaskRow>(
      `select x.* from unnest($9::text[]) with ordinality as col(status, ord)
        cross join lateral (
          select ${taskCols} from ${taskFrom}
           where t.project_id = $1 and t.status = col.status ${FILTERS}
           order by t.rank, t.id limit $10) x
        order by col.ord, x.rank, x.id`,
      [projectId, ...filterParams(f), statuses, perColumn],
    );
    return r.rows;
  },

  /** Per status: counts, overdue and due-this-week among open tasks, and top-level progress sums. */
  async summary(q: Queryable, projectId: string, doneStatuses: string[], today: string, weekEnd: string): Promise<SummaryRow[]> {
    const r = await q.query<SummaryRow>(
      `select t.status, count(*)::int as n,
              count(*) filter (where t.due_date < $2 and not (t.status = any($3::text[])))::int as overdue,
              count(*) filter (where t.due_date between $2 and $4 and not (t.status = any($3::text[])))::int as due_this_week,
              coalesce(sum(t.progress * coalesce(t.estimate_hours, 1)) filter (where t.parent_id is null), 0) as weighted,
              coalesce(sum(coalesce(t.estimate_hours, 1)) filter (where t.parent_id is null), 0) as weight,
              coalesce(sum(t.progress) filter (where t.parent_id is null), 0)::int as progress_sum,
              count(*) filter (where t.parent_id is null)::int as top_level
         from tasks t where t.project_id = $1 group by t.status`,
      [projectId, today, doneStatuses, weekEnd],
    );
    return r.rows;
  },

  /**
   * Tasks assigned to a user in every project they can see (org members: every
   * live project of their orgs; guests: projects they were added to), soonest
   * due first, undated last. Mirrors projects/policy.ts effectiveProjectRole.
   */
  async assignedTo(
    q: Queryable,
    userId: string,
    f: { status?: string; openOnly: boolean; dueBefore?: string },
    after: { key: string; id: string } | undefined,
    limit: number,
  ): Promise<SortedTaskRow[]> {
    const r = await q.query<SortedTaskRow>(
      `select ${taskCols}, ${DUE} as sort_key from ${taskFrom}
        where t.assignee_id = $1
          and exists (select 1 from org_members m where m.org_id = t.org_id and m.user_id = $1
                        and (m.role <> 'guest' or exists (select 1 from project_members pm where pm.project_id = t.project_id and pm.user_id = $1)))
          and ($2::text is null or t.status = $2)
          and (not $3::boolean or not exists (
                select 1 from jsonb_array_elements(p.workflow -> 'statuses') s where s ->> 'key' = t.status and s ->> 'category' = 'done'))
          and ($4::date is null or t.due_date < $4)
          ${after ? `and (${DUE}, t.id) > ($6::date, $7::uuid)` : ""}
        order by ${DUE}, t.id limit $5`,
      [userId, f.status ?? null, f.openOnly, f.dueBefore ?? null, limit, ...(after ? [after.key, after.id] : [])],
    );
    return r.rows;
  },
};
