import type { Queryable, Tx } from "../../platform/db/index.js";
import type { OrgRole } from "./policy.js";

export interface OrgRow {
  id: string;
  name: string;
  slug: string;
  created_at: string;
  updated_at: string;
}

export interface MemberRow {
  user_id: string;
  name: string;
  email: string;
  role: OrgRole;
  manager_id: string | null;
  department_id: string | null;
  joined_at: string;
}

export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: OrgRole;
  expires_at: string;
  accepted_at: string | null;
  created_at: string;
}

export interface DepartmentRow {
  id: string;
  org_id: string;
  name: string;
  parent_id: string | null;
  head_id: string | null;
  created_at: string;
}

const memberCols = `m.user_id, u.name, u.email, m.role, m.manager_id, m.department_id, m.joined_at`;

export const orgsRepo = {
  async insert(tx: Tx, o: { id: string; name: string; slug: string; createdBy: string }): Promise<OrgRow | undefined> {
    const r = await tx.query<OrgRow>(
      `insert into orgs (id, name, slug, created_by) values ($1, $2, $3, $4)
       on conflict (slug) do nothing returning id, name, slug, created_at, updated_at`,
      [o.id, o.name, o.slug, o.createdBy],
    );
    return r.rows[0];
  },
  async slugExists(q: Queryable, slug: string): Promise<boolean> {
    const r = await q.query("select 1 from orgs where slug = $1", [slug]);
    return r.rows.length > 0;
  },
  async byId(q: Queryable, id: string): Promise<OrgRow | undefined> {
    const r = await q.query<OrgRow>("select id, name, slug, created_at, updated_at from orgs where id = $1", [id]);
    return r.rows[0];
  },
  async update(tx: Tx, id: string, name: string): Promise<OrgRow | undefined> {
    const r = await tx.query<OrgRow>(
      "update orgs set name = $2, updated_at = now() where id = $1 returning id, name, slug, created_at, updated_at",
      [id, name],
    );
    return r.rows[0];
  },
  async membershipsOf(q: Queryable, userId: string): Promise<{ id: string; name: string; slug: string; role: OrgRole }[]> {
    const r = await q.query<{ id: string; name: string; slug: string; role: OrgRole }>(
      `select o.id, o.name, o.slug, m.role from org_members m join orgs o on o.id = m.org_id
        where m.user_id = $1 order by o.name, o.id`,
      [userId],
    );
    return r.rows;
  },
};

export const membersRepo = {
  async roleOf(q: Queryable, orgId: string, userId: string): Promise<OrgRole | undefined> {
    const r = await q.query<{ role: OrgRole }>("select role from org_members where org_id = $1 and user_id = $2", [orgId, userId]);
    return r.rows[0]?.role;
  },
  async get(q: Queryable, orgId: string, userId: string): Promise<MemberRow | undefined> {
    const r = await q.query<MemberRow>(
      `select ${memberCols} from org_members m join users u on u.id = m.user_id where m.org_id = $1 and m.user_id = $2`,
      [orgId, userId],
    );
    return r.rows[0];
  },
  async insert(tx: Tx, orgId: string, userId: string, role: OrgRole): Promise<boolean> {
    const r = await tx.query(
      "insert into org_members (org_id, user_id, role) values ($1, $2, $3) on conflict do nothing",
      [orgId, userId, role],
    );
    return r.rowCount > 0;
  },
  async page(q: Queryable, orgId: string, after: { name: string; id: string } | undefined, limit: number): Promise<MemberRow[]> {
    const r = await q.query<MemberRow>(
      `select ${memberCols} from org_members m join users u on u.id = m.user_id
        where m.org_id = $1 and ($2::text is null or (u.name, m.user_id) > ($2, $3::uuid))
        order by u.name, m.user_id limit $4`,
      [orgId, after?.name ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },
  async update(
    tx: Tx,
    orgId: string,
    userId: string,
    patch: { role: OrgRole; managerId: string | null; departmentId: string | null },
  ): Promise<void> {
    await tx.query(
      "update org_members set role = $3, manager_id = $4, department_id = $5 where org_id = $1 and user_id = $2",
      [orgId, userId, patch.role, patch.managerId, patch.departmentId],
    );
  },
  async countOwners(tx: Tx, orgId: string): Promise<number> {
    // Locks the owner rows so two concurrent demotions cannot both pass the check.
    const r = await tx.query<{ user_id: string }>(
      "select user_id from org_members where org_id = $1 and role = 'owner' for update",
      [orgId],
    );
    return r.rows.length;
  },
  async managerOf(q: Queryable, orgId: string, userId: string): Promise<string | null> {
    const r = await q.query<{ manager_id: string | null }>(
      "select manager_id from org_members where org_id = $1 and user_id = $2",
      [orgId, userId],
    );
    return r.rows[0]?.manager_id ?? null;
  },
  async remove(tx: Tx, orgId: string, userId: string): Promise<void> {
    await tx.query("delete from project_members where org_id = $1 and user_id = $2", [orgId, userId]);
    await tx.query("update org_members set manager_id = null where org_id = $1 and manager_id = $2", [orgId, userId]);
    await tx.query("update departments set head_id = null where org_id = $1 and head_id = $2", [orgId, userId]);
    await tx.query("delete from org_members where org_id = $1 and user_id = $2", [orgId, userId]);
  },
  async orgIdsOf(q: Queryable, userId: string): Promise<string[]> {
    const r = await q.query<{ org_id: string }>("select org_id from org_members where user_id = $1", [userId]);
    return r.rows.map((x) => x.org_id);
  },
};

export const invitationsRepo = {
  async insert(
    tx: Tx,
    i: { id: string; orgId: string; email: string; role: OrgRole; tokenHash: string; invitedBy: string; expiresAt: string },
  ): Promise<InvitationRow> {
    const r = await tx.query<InvitationRow>(
      `insert into invitations (id, org_id, email, role, token_hash, invited_by, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7) returning id, org_id, email, role, expires_at, accepted_at, created_at`,
      [i.id, i.orgId, i.email, i.role, i.tokenHash, i.invitedBy, i.expiresAt],
    );
    return r.rows[0]!;
  },
  /** Marks an open invitation accepted (compare-and-set) and returns it. */
  async claim(tx: Tx, tokenHash: string, userId: string): Promise<InvitationRow | undefined> {
    const r = await tx.query<InvitationRow>(
      `update invitations set accepted_at = now(), accepted_by = $2
        where token_hash = $1 and accepted_at is null and expires_at > now()
        returning id, org_id, email, role, expires_at, accepted_at, created_at`,
      [tokenHash, userId],
    );
    return r.rows[0];
  },
  async pending(q: Queryable, orgId: string): Promise<InvitationRow[]> {
    const r = await q.query<InvitationRow>(
      `select id, org_id, email, role, expires_at, accepted_at, created_at from invitations
        where org_id = $1 and accepted_at is null and expires_at > now() order by created_at desc, id limit 200`,
      [orgId],
    );
    return r.rows;
  },
};

export const departmentsRepo = {
  async insert(tx: Tx, d: { id: string; orgId: string; name: string; parentId: string | null; headId: string | null }): Promise<DepartmentRow> {
    const r = await tx.query<DepartmentRow>(
      `insert into departments (id, org_id, name, parent_id, head_id) values ($1, $2, $3, $4, $5)
       returning id, org_id, name, parent_id, head_id, created_at`,
      [d.id, d.orgId, d.name, d.parentId, d.headId],
    );
    return r.rows[0]!;
  },
  async exists(q: Queryable, orgId: string, id: string): Promise<boolean> {
    const r = await q.query("select 1 from departments where org_id = $1 and id = $2", [orgId, id]);
    return r.rows.length > 0;
  },
  async list(q: Queryable, orgId: string): Promise<DepartmentRow[]> {
    const r = await q.query<DepartmentRow>(
      "select id, org_id, name, parent_id, head_id, created_at from departments where org_id = $1 order by name, id",
      [orgId],
    );
    return r.rows;
  },
};
