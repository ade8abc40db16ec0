import type { Queryable, Tx } from "../../platform/db/index.js";
import type { OrgRole } from "../orgs/policy.js";
import type { FlowDefinition } from "./engine/definition.js";
import type { Directory } from "./engine/resolve.js";

// Flow definitions, delegations, the "my approvals" boxes, reports, and the org
// directory the engine resolves approvers against.

export interface FlowRow {
  id: string;
  org_id: string;
  key: string;
  version: number;
  name: string;
  definition: FlowDefinition;
  created_by: string | null;
  created_at: string;
  latest_version: number;
  archived_at: string | null;
}

const flowCols = `f.id, f.org_id, f.key, f.version, f.name, f.definition, f.created_by, f.created_at, k.latest_version, k.archived_at`;

export const flowsRepo = {
  async insertKey(tx: Tx, orgId: string, key: string): Promise<boolean> {
    const r = await tx.query("insert into approval_flow_keys (org_id, key, latest_version) values ($1, $2, 1) on conflict do nothing", [orgId, key]);
    return r.rowCount > 0;
  },
  /** Hands out the next version number; the key row lock serializes concurrent saves. */
  async nextVersion(tx: Tx, orgId: string, key: string): Promise<{ version: number; archived: boolean } | undefined> {
    const r = await tx.query<{ latest_version: number; archived: boolean }>(
      `update approval_flow_keys set latest_version = latest_version + case when archived_at is null then 1 else 0 end, updated_at = now()
        where org_id = $1 and key = $2 returning latest_version, archived_at is not null as archived`,
      [orgId, key],
    );
    const row = r.rows[0];
    return row ? { version: row.latest_version, archived: row.archived } : undefined;
  },
  async insertVersion(tx: Tx, f: { id: string; orgId: string; key: string; version: number; name: string; definition: FlowDefinition; createdBy: string }): Promise<void> {
    await tx.query(
      "insert into approval_flows (id, org_id, key, version, name, definition, created_by) values ($1, $2, $3, $4, $5, $6, $7)",
      [f.id, f.orgId, f.key, f.version, f.name, JSON.stringify(f.definition), f.createdBy],
    );
  },
  /** A given version, or the latest one. */
  async get(q: Queryable, orgId: string, key: string, version?: number): Promise<FlowRow | undefined> {
    const r = await q.query<FlowRow>(
      `select ${flowCols} from approval_flows f join approval_flow_keys k on k.org_id = f.org_id and k.key = f.key
        where f.org_id = $1 and f.key = $2 and f.version = coalesce($3::int, k.latest_version)`,
      [orgId, key, version ?? null],
    );
    return r.rows[0];
  },
  async byId(q: Queryable, id: string): Promise<FlowRow | undefined> {
    const r = await q.query<FlowRow>(
      `select ${flowCols} from approval_flows f join approval_flow_keys k on k.org_id = f.org_id and k.key = f.key where f.id = $1`,
      [id],
    );
    return r.rows[0];
  },
  async page(q: Queryable, orgId: string, archived: boolean, afterKey: string | null, limit: number): Promise<FlowRow[]> {
    const r = await q.query<FlowRow>(
      `select ${flowCols} from approval_flow_keys k join approval_flows f on f.org_id = k.org_id and f.key = k.key and f.version = k.latest_version
        where k.org_id = $1 and (k.archived_at is not null) = $2 and ($3::text is null or k.key > $3)
        order by k.key limit $4`,
      [orgId, archived, afterKey, limit],
    );
    return r.rows;
  },
  async setArchived(tx: Tx, orgId: string, key: string, archived: boolean): Promise<boolean> {
    const r = await tx.query(
      `update approval_flow_keys set archived_at = case when $3 then coalesce(archived_at, now()) else null end, updated_at = now()
        where org_id = $1 and key = $2`,
      [orgId, key, archived],
    );
    return r.rowCount > 0;
  },
};

/** The org directory of the engine, reading org members, departments and project managers. */
export function orgDirectory(q: Queryable, orgId: string): Directory {
  const membership = new Map<string, boolean>();
  const users = async (sql: string, params: unknown[]) => (await q.query<{ user_id: string }>(sql, params)).rows.map((r) => r.user_id);
  return {
    async isMember(userId) {
      const known = membership.get(userId);
      if (known !== undefined) return known;
      const r = await q.query("select 1 from org_members where org_id = $1 and user_id = $2", [orgId, userId]);
      membership.set(userId, r.rows.length > 0);
      return r.rows.length > 0;
    },
    async managerOf(userId) {
      const r = await q.query<{ manager_id: string | null }>("select manager_id from org_members where org_id = $1 and user_id = $2", [orgId, userId]);
      return r.rows[0]?.manager_id ?? null;
    },
    async departmentHeadFor(userId) {
      const r = await q.query<{ head_id: string | null }>(
        `with recursive up (id, head_id, parent_id, depth) as (
           select d.id, d.head_id, d.parent_id, 0 from departments d
             join org_members m on m.department_id = d.id where m.org_id = $1 and m.user_id = $2
           union all
           select d.id, d.head_id, d.parent_id, up.depth + 1 from departments d join up on d.id = up.parent_id
            where up.head_id is null and up.depth < 50)
         select head_id from up where head_id is not null order by depth limit 1`,
        [orgId, userId],
      );
      return r.rows[0]?.head_id ?? null;
    },
    membersWithRole: (role: OrgRole) => users("select user_id from org_members where org_id = $1 and role = $2 order by joined_at, user_id", [orgId, role]),
    admins: () => users("select user_id from org_members where org_id = $1 and role in ('owner', 'admin') order by joined_at, user_id", [orgId]),
    projectManagers: (projectId: string) =>
      users(
        `select pm.user_id from project_members pm join org_members m on m.org_id = pm.org_id and m.user_id = pm.user_id
          where pm.project_id = $1 and pm.org_id = $2 and pm.role = 'manager' order by pm.created_at, pm.user_id`,
        [projectId, orgId],
      ),
    async delegatesOf(userIds, at) {
      const r = await q.query<{ user_id: string; delegate_id: string }>(
        `select d.user_id, d.delegate_id from approval_delegations d join org_members m on m.org_id = d.org_id and m.user_id = d.delegate_id
          where d.org_id = $1 and d.user_id = any($2::uuid[]) and d.starts_at <= $3 and d.ends_at > $3`,
        [orgId, userIds, at],
      );
      return new Map(r.rows.map((x) => [x.user_id, x.delegate_id]));
    },
  };
}

export interface DelegationRow {
  org_id: string;
  user_id: string;
  delegate_id: string;
  starts_at: string;
  ends_at: string;
}

export const delegationsRepo = {
  async put(tx: Tx, d: { orgId: string; userId: string; delegateId: string; startsAt: string; endsAt: string }): Promise<DelegationRow> {
    const r = await tx.query<DelegationRow>(
      `insert into approval_delegations (org_id, user_id, delegate_id, starts_at, ends_at) values ($1, $2, $3, $4, $5)
       on conflict (org_id, user_id) do update set delegate_id = excluded.delegate_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at
       returning org_id, user_id, delegate_id, starts_at, ends_at`,
      [d.orgId, d.userId, d.delegateId, d.startsAt, d.endsAt],
    );
    return r.rows[0]!;
  },
  async get(q: Queryable, orgId: string, userId: string): Promise<DelegationRow | undefined> {
    const r = await q.query<DelegationRow>(
      "select org_id, user_id, delegate_id, starts_at, ends_at from approval_delegations where org_id = $1 and user_id = $2",
      [orgId, userId],
    );
    return r.rows[0];
  },
  async remove(tx: Tx, orgId: string, userId: string): Promise<boolean> {
    return (await tx.query("delete from approval_delegations where org_id = $1 and user_id = $2", [orgId, userId])).rowCount > 0;
  },
};

export interface BoxRow {
  id: string;
  org_id: string;
  flow_key: string;
  flow_version: number;
  title: string;
  status: string;
  attempt: number;
  initiator_id: string;
  created_at: string;
  updated_at: string;
  sort_at: string;
  sort_id: string;
  task_id: string | null;
  task_status: string | null;
  node_id: string | null;
  on_behalf_of: string | null;
  decided_at: string | null;
}

const boxCols = `i.id, i.org_id, i.flow_key, i.flow_version, i.title, i.status, i.attempt, i.initiator_id, i.created_at, i.updated_at`;
const taskBoxCols = `t.id as task_id, t.status as task_status, r.node_id, t.on_behalf_of, t.decided_at`;
const noTask = `null::uuid as task_id, null::text as task_status, null::text as node_id, null::uuid as on_behalf_of, null::timestamptz as decided_at`;
// Boxes only show orgs the user still belongs to.
const memberOf = `exists (select 1 from org_members om where om.org_id = i.org_id and om.user_id = $1)`;
const orgFilter = `($2::uuid is null or i.org_id = $2)`;

export type Box = "pending" | "initiated" | "cc" | "done";

/** Newest first, keyset on (sort_at, sort_id). */
export async function boxPage(q: Queryable, box: Box, userId: string, orgId: string | null, after: { at: string; id: string } | null, limit: number): Promise<BoxRow[]> {
  const params = [userId, orgId, after?.at ?? null, after?.id ?? null, limit];
  const keyset = (at: string, id: string) => `($3::timestamptz is null or (${at}, ${id}) < ($3::timestamptz, $4::uuid))`;
  let sql: string;
  switch (box) {
    case "pending":
      sql = `select ${boxCols}, ${taskBoxCols}, t.created_at as sort_at, t.id as sort_id from approval_tasks t
               join approval_instances i on i.id = t.instance_id join approval_node_runs r on r.id = t.run_id
              where t.assignee_id = $1 and t.status = 'pending' and ${orgFilter} and ${memberOf} and ${keyset("t.created_at", "t.id")}
              order by t.created_at desc, t.id desc limit $5`;
      break;
    case "done":
      sql = `select ${boxCols}, ${taskBoxCols}, t.decided_at as sort_at, t.id as sort_id from approval_tasks t
               join approval_instances i on i.id = t.instance_id join approval_node_runs r on r.id = t.run_id
              where t.assignee_id = $1 and t.decided_by = $1 and t.status in ('approved', 'rejected', 'transferred')
                and ${orgFilter} and ${memberOf} and ${keyset("t.decided_at", "t.id")}
              order by t.decided_at desc, t.id desc limit $5`;
      break;
    case "initiated":
      sql = `select ${boxCols}, ${noTask}, i.created_at as sort_at, i.id as sort_id from approval_instances i
              where i.initiator_id = $1 and ${orgFilter} and ${memberOf} and ${keyset("i.created_at", "i.id")}
              order by i.created_at desc, i.id desc limit $5`;
      break;
    case "cc":
      sql = `select ${boxCols}, ${noTask}, c.created_at as sort_at, i.id as sort_id from approval_cc c join approval_instances i on i.id = c.instance_id
              where c.user_id = $1 and ${orgFilter} and ${memberOf} and ${keyset("c.created_at", "i.id")}
              order by c.created_at desc, i.id desc limit $5`;
      break;
  }
  return (await q.query<BoxRow>(sql, params)).rows;
}

/** Whether the user took part in the instance: holds or held a task (or was delegated from), or was cc'd. */
export async function isParticipant(q: Queryable, instanceId: string, userId: string): Promise<boolean> {
  const r = await q.query(
    `select 1 where exists (select 1 from approval_tasks where instance_id = $1 and (assignee_id = $2 or on_behalf_of = $2))
        or exists (select 1 from approval_cc where instance_id = $1 and user_id = $2)`,
    [instanceId, userId],
  );
  return r.rows.length > 0;
}

export interface ReportRow {
  flow_key: string;
  started: number;
  approved: number;
  rejected: number;
  withdrawn: number;
  running: number;
  p50_seconds: number | null;
  p90_seconds: number | null;
}

/** Per flow, instances started in [from, to): counts by outcome and turnaround percentiles of decided ones. */
export async function approvalsReport(q: Queryable, orgId: string, from: string, to: string): Promise<ReportRow[]> {
  const r = await q.query<ReportRow>(
    `select flow_key, count(*)::int as started,
            count(*) filter (where status = 'approved')::int as approved,
            count(*) filter (where status = 'rejected')::int as rejected,
            count(*) filter (where status = 'withdrawn')::int as withdrawn,
            count(*) filter (where status in ('running', 'returned'))::int as running,
            percentile_cont(0.5) within group (order by extract(epoch from finished_at - created_at))
              filter (where status in ('approved', 'rejected')) as p50_seconds,
            percentile_cont(0.9) within group (order by extract(epoch from finished_at - created_at))
              filter (where status in ('approved', 'rejected')) as p90_seconds
       from approval_instances where org_id = $1 and created_at >= $2 and created_at < $3
      group by flow_key order by flow_key`,
    [orgId, from, to],
  );
  return r.rows;
}
