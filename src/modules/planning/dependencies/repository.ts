import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { DependencyType } from "../schedule/cpm.js";

export interface DependencyRow {
  id: string;
  org_id: string;
  predecessor_id: string;
  successor_id: string;
  type: DependencyType;
  lag_days: number;
  created_at: string;
}

export interface LinkedTaskRow {
  dependency_id: string;
  type: DependencyType;
  lag_days: number;
  created_at: string;
  id: string;
  project_id: string;
  key: string;
  title: string;
  status: string;
  start_date: string | null;
  due_date: string | null;
}

const cols = "id, org_id, predecessor_id, successor_id, type, lag_days, created_at";

// Dependency writes of one org take this lock: two links added at once must not close a loop between them.
const ORG_DEPENDENCIES_LOCK = 72_640_020;

const linkedCols = (side: "predecessor_id" | "successor_id") =>
  `select d.id as dependency_id, d.type, d.lag_days, d.created_at, t.id, t.project_id, p.key || '-' || t.number as key, t.title,
          t.status, t.start_date, t.due_date
     from task_dependencies d join tasks t on t.id = d.${side} join projects p on p.id = t.project_id and p.archived_at is null`;
// A guest sees only tasks of projects they were added to.
const visibleTo = "($2::uuid is null or exists (select 1 from project_members pm where pm.project_id = t.project_id and pm.user_id = $2))";

export const dependenciesRepo = {
  async lockOrg(tx: Tx, orgId: string): Promise<void> {
    await tx.query("select pg_advisory_xact_lock($1, hashtext($2))", [ORG_DEPENDENCIES_LOCK, orgId]);
  },

  /** Keeps both tasks from being deleted until the link is written; false if one is already gone. */
  async holdTasks(tx: Tx, ids: string[]): Promise<boolean> {
    const r = await tx.query("select id from tasks where id = any($1::uuid[]) for key share", [ids]);
    return r.rows.length === new Set(ids).size;
  },

  /** Every edge of the org, for the cycle check. */
  async orgEdges(q: Queryable, orgId: string): Promise<[string, string][]> {
    // One JSON array, not thousands of rows: far cheaper to read (see schedule/repository.ts).
    const r = await q.query<{ edges: [string, string][] }>(
      "select coalesce(json_agg(json_build_array(predecessor_id, successor_id)), '[]') as edges from task_dependencies where org_id = $1",
      [orgId],
    );
    return r.rows[0]!.edges;
  },

  /** undefined when the two tasks are already linked. */
  async insert(
    tx: Tx,
    d: { id: string; orgId: string; predecessorId: string; predecessorProjectId: string; successorId: string; successorProjectId: string; type: DependencyType; lagDays: number; createdBy: string },
  ): Promise<DependencyRow | undefined> {
    const r = await tx.query<DependencyRow>(
      `insert into task_dependencies (id, org_id, predecessor_id, predecessor_project_id, successor_id, successor_project_id, type, lag_days, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (predecessor_id, successor_id) do nothing returning ${cols}`,
      [d.id, d.orgId, d.predecessorId, d.predecessorProjectId, d.successorId, d.successorProjectId, d.type, d.lagDays, d.createdBy],
    );
    return r.rows[0];
  },

  async byId(q: Queryable, id: string): Promise<DependencyRow | undefined> {
    const r = await q.query<DependencyRow>(`select ${cols} from task_dependencies where id = $1`, [id]);
    return r.rows[0];
  },

  async lock(tx: Tx, id: string): Promise<DependencyRow | undefined> {
    const r = await tx.query<DependencyRow>(`select ${cols} from task_dependencies where id = $1 for update`, [id]);
    return r.rows[0];
  },

  async update(tx: Tx, id: string, type: DependencyType, lagDays: number): Promise<DependencyRow> {
    const r = await tx.query<DependencyRow>(`update task_dependencies set type = $2, lag_days = $3 where id = $1 returning ${cols}`, [id, type, lagDays]);
    return r.rows[0]!;
  },

  async remove(tx: Tx, id: string): Promise<void> {
    await tx.query("delete from task_dependencies where id = $1", [id]);
  },

  /** Both directions of a task's links; `guestId` limits them to projects a guest was added to. */
  async linked(q: Queryable, taskId: string, guestId: string | null): Promise<{ predecessors: LinkedTaskRow[]; successors: LinkedTaskRow[] }> {
    const order = "order by d.created_at, d.id";
    const [predecessors, successors] = [
      await q.query<LinkedTaskRow>(`${linkedCols("predecessor_id")} where d.successor_id = $1 and ${visibleTo} ${order}`, [taskId, guestId]),
      await q.query<LinkedTaskRow>(`${linkedCols("successor_id")} where d.predecessor_id = $1 and ${visibleTo} ${order}`, [taskId, guestId]),
    ];
    return { predecessors: predecessors.rows, successors: successors.rows };
  },

  /**
   * Subtask -> summary along the chains of summaries above these tasks (what the
   * loop check needs: a loop through a summary passes through a linked task below it).
   */
  async summaryChains(q: Queryable, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const r = await q.query<{ pairs: [string, string][] }>(
      `with recursive up(id, parent_id) as (
         select id, parent_id from tasks where id = any($1::uuid[]) and parent_id is not null
         union
         select t.id, t.parent_id from tasks t join up on t.id = up.parent_id where t.parent_id is not null)
       select coalesce(json_agg(json_build_array(id, parent_id)), '[]') as pairs from up`,
      [ids],
    );
    return new Map(r.rows[0]!.pairs);
  },

  /** Task keys (ENG-42) by id. */
  async keysOf(q: Queryable, ids: string[]): Promise<Map<string, string>> {
    const r = await q.query<{ id: string; key: string }>(
      "select t.id, p.key || '-' || t.number as key from tasks t join projects p on p.id = t.project_id where t.id = any($1::uuid[])",
      [ids],
    );
    return new Map(r.rows.map((x) => [x.id, x.key]));
  },
};
