import type { Queryable, Tx } from "../../platform/db/index.js";
import { fromMicros, micros } from "./repository.js";

export interface CommentRow {
  id: string;
  task_id: string;
  author_id: string | null;
  body: string;
  mentions: string[];
  created_at: string;
  /** Microseconds since the epoch: an exact keyset cursor (ISO strings keep only milliseconds). */
  cursor_us: number;
}

export interface ActivityRow {
  id: number;
  actor_id: string | null;
  action: string;
  changes: Record<string, unknown>;
  at: string;
}

export interface ActivityEntry {
  orgId: string;
  taskId: string;
  actorId: string | null;
  action: string;
  changes: Record<string, unknown>;
}

const commentCols = `id, task_id, author_id, body, mentions::text[] as mentions, created_at, ${micros("created_at")} as cursor_us`;

export const commentsRepo = {
  async insert(tx: Tx, c: { id: string; orgId: string; taskId: string; authorId: string; body: string; mentions: string[] }): Promise<CommentRow> {
    const r = await tx.query<CommentRow>(
      `insert into comments (id, org_id, task_id, author_id, body, mentions) values ($1, $2, $3, $4, $5, $6::uuid[])
       returning ${commentCols}`,
      [c.id, c.orgId, c.taskId, c.authorId, c.body, c.mentions],
    );
    return r.rows[0]!;
  },

  /** Oldest first, after the (created_at, id) of the cursor. */
  async page(q: Queryable, taskId: string, after: { us: number; id: string } | undefined, limit: number): Promise<CommentRow[]> {
    const r = await q.query<CommentRow>(
      `select ${commentCols} from comments
        where task_id = $1
          and ($2::bigint is null or (created_at, id) > (${fromMicros("$2")}, $3::uuid))
        order by created_at, id limit $4`,
      [taskId, after?.us ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },
};

export const activityRepo = {
  /** One statement for all entries; ids (the activity order) follow the entries' order. */
  async append(tx: Tx, entries: ActivityEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `insert into task_activity (org_id, task_id, actor_id, action, changes)
       select e.org_id, e.task_id, e.actor_id, e.action, e.changes
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[]) with ordinality as e(org_id, task_id, actor_id, action, changes, n)
        order by e.n`,
      [entries.map((e) => e.orgId), entries.map((e) => e.taskId), entries.map((e) => e.actorId), entries.map((e) => e.action), entries.map((e) => JSON.stringify(e.changes))],
    );
  },

  /** In the order it happened (the serial id), after the cursor's id. */
  async page(q: Queryable, taskId: string, afterId: number | undefined, limit: number): Promise<ActivityRow[]> {
    const r = await q.query<ActivityRow>(
      `select id, actor_id, action, changes, at from task_activity
        where task_id = $1 and ($2::bigint is null or id > $2) order by id limit $3`,
      [taskId, afterId ?? null, limit],
    );
    return r.rows;
  },
};

/**
 * Org members a comment may mention: matched by email or display name, and able
 * to see the project (a guest only when added to it), so nobody is notified
 * about a task they cannot open.
 */
export async function mentionableMembers(
  q: Queryable,
  orgId: string,
  projectId: string,
  emails: string[],
  names: string[],
): Promise<{ user_id: string; email: string; name: string }[]> {
  if (emails.length === 0 && names.length === 0) return [];
  const r = await q.query<{ user_id: string; email: string; name: string }>(
    `select m.user_id, u.email, u.name from org_members m join users u on u.id = m.user_id
      where m.org_id = $1
        and (lower(u.email) = any($3::text[]) or lower(u.name) = any($4::text[]) or u.name = any($4::text[]))
        and (m.role <> 'guest' or exists (select 1 from project_members pm where pm.project_id = $2 and pm.user_id = m.user_id))`,
    [orgId, projectId, emails, names],
  );
  return r.rows;
}
