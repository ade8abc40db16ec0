import type { Queryable, Tx } from "../../platform/db/index.js";
import type { OrgRole } from "../orgs/policy.js";
import type { ProjectRole } from "./policy.js";
import type { Workflow } from "./workflow.js";

export interface ProjectRow {
  id: string;
  org_id: string;
  key: string;
  name: string;
  description: string;
  workflow: Workflow;
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const cols = "id, org_id, key, name, description, workflow, version, created_by, created_at, updated_at";

export const projectsRepo = {
  async insert(tx: Tx, p: { id: string; orgId: string; key: string; name: string; description: string; workflow: Workflow; createdBy: string }): Promise<ProjectRow | undefined> {
    const r = await tx.query<ProjectRow>(
      `insert into projects (id, org_id, key, name, description, workflow, created_by) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (org_id, key) do nothing returning ${cols}`,
      [p.id, p.orgId, p.key, p.name, p.description, JSON.stringify(p.workflow), p.createdBy],
    );
    return r.rows[0];
  },
  async byId(q: Queryable, id: string): Promise<ProjectRow | undefined> {
    const r = await q.query<ProjectRow>(`select ${cols} from projects where id = $1 and archived_at is null`, [id]);
    return r.rows[0];
  },
  async byKey(q: Queryable, orgIds: string[], key: string): Promise<ProjectRow[]> {
    const r = await q.query<ProjectRow>(`select ${cols} from projects where org_id = any($1::uuid[]) and key = $2 and archived_at is null`, [orgIds, key]);
    return r.rows;
  },
  /** Projects of an org; guests (onlyMemberOf set) see only their own. */
  async page(q: Queryable, orgId: string, onlyMemberOf: string | null, after: string | null, limit: number): Promise<ProjectRow[]> {
    const r = await q.query<ProjectRow>(
      `select ${cols} from projects p
        where org_id = $1 and archived_at is null
          and ($2::uuid is null or exists (select 1 from project_members m where m.project_id = p.id and m.user_id = $2))
          and ($3::text is null or key > $3)
        order by key limit $4`,
      [orgId, onlyMemberOf, after, limit],
    );
    return r.rows;
  },
  async update(tx: Tx, id: string, patch: { name: string; description: string }): Promise<ProjectRow> {
    const r = await tx.query<ProjectRow>(
      `update projects set name = $2, description = $3, version = version + 1, updated_at = now() where id = $1 returning ${cols}`,
      [id, patch.name, patch.description],
    );
    return r.rows[0]!;
  },
  async setWorkflow(tx: Tx, id: string, workflow: Workflow): Promise<ProjectRow> {
    const r = await tx.query<ProjectRow>(
      `update projects set workflow = $2, version = version + 1, updated_at = now() where id = $1 returning ${cols}`,
      [id, JSON.stringify(workflow)],
    );
    return r.rows[0]!;
  },
  async archive(tx: Tx, id: string): Promise<void> {
    await tx.query("update projects set archived_at = now(), updated_at = now() where id = $1", [id]);
  },
  /** Locks the project row and hands out the next task number. */
  async nextTaskNumber(tx: Tx, id: string): Promise<number> {
    const r = await tx.query<{ task_seq: number }>("update projects set task_seq = task_seq + 1 where id = $1 returning task_seq", [id]);
    return r.rows[0]!.task_seq;
  },
};

export const projectMembersRepo = {
  /** The user's org role and explicit project role in one statement; undefined when not in the org. */
  async rolesOf(q: Queryable, projectId: string, orgId: string, userId: string): Promise<{ org_role: OrgRole; project_role: ProjectRole | null } | undefined> {
    const r = await q.query<{ org_role: OrgRole; project_role: ProjectRole | null }>(
      `select m.role as org_role, pm.role as project_role from org_members m
         left join project_members pm on pm.project_id = $1 and pm.user_id = m.user_id
        where m.org_id = $2 and m.user_id = $3`,
      [projectId, orgId, userId],
    );
    return r.rows[0];
  },
  async roleOf(q: Queryable, projectId: string, userId: string): Promise<ProjectRole | undefined> {
    const r = await q.query<{ role: ProjectRole }>("select role from project_members where project_id = $1 and user_id = $2", [projectId, userId]);
    return r.rows[0]?.role;
  },
  async put(tx: Tx, m: { projectId: string; orgId: string; userId: string; role: ProjectRole }): Promise<ProjectRole | undefined> {
    const before = await projectMembersRepo.roleOf(tx, m.projectId, m.userId);
    await tx.query(
      `insert into project_members (project_id, user_id, org_id, role) values ($1, $2, $3, $4)
       on conflict (project_id, user_id) do update set role = excluded.role`,
      [m.projectId, m.userId, m.orgId, m.role],
    );
    return before;
  },
  async remove(tx: Tx, projectId: string, userId: string): Promise<boolean> {
    const r = await tx.query("delete from project_members where project_id = $1 and user_id = $2", [projectId, userId]);
    return r.rowCount > 0;
  },
  async list(q: Queryable, projectId: string) {
    const r = await q.query<{ user_id: string; name: string; email: string; role: ProjectRole }>(
      `select m.user_id, u.name, u.email, m.role from project_members m join users u on u.id = m.user_id
        where m.project_id = $1 order by u.name, m.user_id`,
      [projectId],
    );
    return r.rows;
  },
  async count(q: Queryable, projectId: string): Promise<number> {
    const r = await q.query<{ n: number }>("select count(*)::int as n from project_members where project_id = $1", [projectId]);
    return r.rows[0]?.n ?? 0;
  },
};
