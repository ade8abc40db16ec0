import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { Workflow } from "../../projects/workflow.js";

export interface FeedRow {
  id: string;
  org_id: string;
  user_id: string;
  project_id: string | null;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface FeedTaskRow {
  id: string;
  key: string;
  title: string;
  status: string;
  priority: string;
  project_name: string;
  workflow: Workflow;
  due_date: string | null;
  start_date: string | null;
  milestone: boolean;
  updated_at: string;
}

const cols = "id, org_id, user_id, project_id, name, created_at, last_used_at";
const taskCols = `t.id, p.key || '-' || t.number as key, t.title, t.status, t.priority, p.name as project_name, p.workflow,
  t.due_date, t.start_date, t.milestone, t.updated_at`;
// Due in the window, or a milestone dated in it.
const inWindow = "(t.due_date between $2 and $3 or (t.milestone and t.due_date is null and t.start_date between $2 and $3))";
const FEED_LIMIT = 2000;

export const feedsRepo = {
  async insert(tx: Tx, f: { id: string; orgId: string; userId: string; projectId: string | null; name: string; tokenHash: string }): Promise<FeedRow> {
    const r = await tx.query<FeedRow>(
      `insert into calendar_feeds (id, org_id, user_id, project_id, name, token_hash) values ($1, $2, $3, $4, $5, $6) returning ${cols}`,
      [f.id, f.orgId, f.userId, f.projectId, f.name, f.tokenHash],
    );
    return r.rows[0]!;
  },

  async mine(q: Queryable, orgId: string, userId: string): Promise<FeedRow[]> {
    const r = await q.query<FeedRow>(`select ${cols} from calendar_feeds where org_id = $1 and user_id = $2 order by created_at, id`, [orgId, userId]);
    return r.rows;
  },

  async remove(tx: Tx, orgId: string, userId: string, id: string): Promise<boolean> {
    const r = await tx.query("delete from calendar_feeds where org_id = $1 and user_id = $2 and id = $3", [orgId, userId, id]);
    return r.rowCount > 0;
  },

  /** The feed a token opens, noting its use. */
  async open(q: Queryable, tokenHash: string): Promise<FeedRow | undefined> {
    const r = await q.query<FeedRow>(`update calendar_feeds set last_used_at = now() where token_hash = $1 returning ${cols}`, [tokenHash]);
    return r.rows[0];
  },

  async projectTasks(q: Queryable, projectId: string, from: string, to: string): Promise<FeedTaskRow[]> {
    const r = await q.query<FeedTaskRow>(
      `select ${taskCols} from tasks t join projects p on p.id = t.project_id and p.archived_at is null
        where t.project_id = $1 and ${inWindow} order by coalesce(t.due_date, t.start_date), t.id limit ${FEED_LIMIT}`,
      [projectId, from, to],
    );
    return r.rows;
  },

  /** A person's assigned tasks in an org; a guest's only in projects they were added to. */
  async assignedTasks(q: Queryable, userId: string, from: string, to: string, orgId: string, guest: boolean): Promise<FeedTaskRow[]> {
    const r = await q.query<FeedTaskRow>(
      `select ${taskCols} from tasks t join projects p on p.id = t.project_id and p.archived_at is null
        where t.assignee_id = $1 and ${inWindow} and p.org_id = $4
          and (not $5 or exists (select 1 from project_members pm where pm.project_id = p.id and pm.user_id = $1))
        order by coalesce(t.due_date, t.start_date), t.id limit ${FEED_LIMIT}`,
      [userId, from, to, orgId, guest],
    );
    return r.rows;
  },
};
