import type { Actor, RequestMeta } from "../../platform/actor.js";
import { cursorIs, decodeCursor, pageOf } from "../../platform/cursor.js";
import type { Tx } from "../../platform/db/index.js";
import { DomainError, invalid, notFound } from "../../platform/errors.js";
import { hashSecret, isUuid, newId, newSecret } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { cacheEntry, generation } from "../../platform/versioned-cache.js";
import { diff } from "../../platform/diff.js";
import { appendAudit } from "../audit/repository.js";
import { assertMayGrant, assertOrgCan, lastOwner, type OrgAction, type OrgRole } from "./policy.js";
import {
  departmentsRepo,
  invitationsRepo,
  membersRepo,
  orgsRepo,
  type DepartmentRow,
  type InvitationRow,
  type MemberRow,
  type OrgRow,
} from "./repository.js";

const INVITATION_DAYS = 7;
const ROLE_TTL_SECONDS = 60;

const orgRoleEntry = (orgId: string, userId: string) =>
  cacheEntry<{ role: OrgRole | null }>("org_role", `orole:${orgId}:${userId}`, [generation.org(orgId)], ROLE_TTL_SECONDS);

export const toOrg = (o: OrgRow) => ({ id: o.id, name: o.name, slug: o.slug, createdAt: o.created_at, updatedAt: o.updated_at });
export const toMember = (m: MemberRow) => ({
  userId: m.user_id,
  name: m.name,
  email: m.email,
  role: m.role,
  managerId: m.manager_id,
  departmentId: m.department_id,
  joinedAt: m.joined_at,
});
export const toDepartment = (d: DepartmentRow) => ({
  id: d.id,
  orgId: d.org_id,
  name: d.name,
  parentId: d.parent_id,
  headId: d.head_id,
  createdAt: d.created_at,
});
const toInvitation = (i: InvitationRow) => ({ id: i.id, email: i.email, role: i.role, expiresAt: i.expires_at, createdAt: i.created_at });

export class OrgsService {
  constructor(private readonly p: Platform) {}

  /**
   * The caller's role in an org; not a member (or no such org) is a 404, never a 403.
   * Cached under the org's generation, which every member.* and org.* event replaces.
   */
  async roleIn(orgId: string, userId: string): Promise<OrgRole> {
    const entry = isUuid(orgId) ? orgRoleEntry(orgId, userId) : undefined;
    const cached = entry && (await this.p.hotCache.snapshot([entry]));
    let role = entry && cached?.get(entry)?.role;
    if (role === undefined) {
      role = (await membersRepo.roleOf(this.p.db, orgId, userId)) ?? null;
      if (entry) cached?.put(entry, { role });
    }
    if (!role) throw notFound("Organization");
    return role;
  }

  async authorize(actor: Actor, orgId: string, action: OrgAction): Promise<OrgRole> {
    const role = await this.roleIn(orgId, actor.userId);
    assertOrgCan(role, action);
    return role;
  }

  async create(actor: Actor, input: { name: string; slug: string }) {
    const name = input.name.trim();
    if (!name) throw invalid("body.name", "must not be blank");
    return this.p.db.tx(async (tx) => {
      const id = newId();
      const org = await orgsRepo.insert(tx, { id, name, slug: input.slug, createdBy: actor.userId });
      if (!org) throw new DomainError("org_slug_taken", `The slug "${input.slug}" is already used`);
      await membersRepo.insert(tx, id, actor.userId, "owner");
      await appendAudit(tx, actor, { orgId: id, action: "org.create", targetType: "org", targetId: id, changes: { name, slug: input.slug } });
      await emitEvents(tx, actor.userId, [{ type: "org.created", orgId: id, data: { id, name } }]);
      return { ...toOrg(org), role: "owner" as OrgRole };
    });
  }

  async get(actor: Actor, orgId: string) {
    const role = await this.authorize(actor, orgId, "org.read");
    const org = await orgsRepo.byId(this.p.db, orgId);
    if (!org) throw notFound("Organization");
    return { ...toOrg(org), role };
  }

  async update(actor: Actor, orgId: string, input: { name: string }) {
    await this.authorize(actor, orgId, "org.update");
    const name = input.name.trim();
    if (!name) throw invalid("body.name", "must not be blank");
    return this.p.db.tx(async (tx) => {
      const org = await orgsRepo.update(tx, orgId, name);
      if (!org) throw notFound("Organization");
      await appendAudit(tx, actor, { orgId, action: "org.update", targetType: "org", targetId: orgId, changes: { name } });
      await emitEvents(tx, actor.userId, [{ type: "org.updated", orgId, data: { id: orgId, name } }]);
      return toOrg(org);
    });
  }

  async mine(actor: Actor) {
    return { items: await orgsRepo.membershipsOf(this.p.db.readFor(actor), actor.userId), nextCursor: null };
  }

  membershipsOf(userId: string) {
    return orgsRepo.membershipsOf(this.p.db, userId);
  }

  async invite(actor: Actor, orgId: string, input: { email: string; role: OrgRole }) {
    const role = await this.authorize(actor, orgId, "invitations.create");
    assertMayGrant(role, undefined, input.role);
    const token = newSecret("pli");
    return this.p.db.tx(async (tx) => {
      const inv = await invitationsRepo.insert(tx, {
        id: newId(),
        orgId,
        email: input.email.trim(),
        role: input.role,
        tokenHash: hashSecret(token),
        invitedBy: actor.userId,
        expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000).toISOString(),
      });
      await appendAudit(tx, actor, { orgId, action: "invitation.create", targetType: "invitation", targetId: inv.id, changes: { email: inv.email, role: inv.role } });
      await emitEvents(tx, actor.userId, [{ type: "invitation.created", orgId, data: { id: inv.id, email: inv.email, role: inv.role } }]);
      return { ...toInvitation(inv), token };
    });
  }

  async pendingInvitations(actor: Actor, orgId: string) {
    await this.authorize(actor, orgId, "invitations.create");
    return { items: (await invitationsRepo.pending(this.p.db, orgId)).map(toInvitation), nextCursor: null };
  }

  /** Inside signup's transaction: consumes an invitation addressed to this email. */
  async claimInvitation(tx: Tx, token: string, who: { userId: string; email: string }): Promise<{ orgId: string; role: OrgRole; id: string }> {
    const inv = await invitationsRepo.claim(tx, hashSecret(token), who.userId);
    if (!inv) throw invalid("body.invitationToken", "is unknown, expired or already used");
    if (inv.email.toLowerCase() !== who.email.toLowerCase()) {
      throw invalid("body.invitationToken", "was issued for another email address");
    }
    return { orgId: inv.org_id, role: inv.role, id: inv.id };
  }

  async addMemberFromInvitation(tx: Tx, inv: { orgId: string; role: OrgRole; id: string }, userId: string, meta: RequestMeta): Promise<void> {
    await membersRepo.insert(tx, inv.orgId, userId, inv.role);
    await appendAudit(tx, { userId, ...meta }, { orgId: inv.orgId, action: "member.join", targetType: "user", targetId: userId, changes: { role: inv.role, invitationId: inv.id } });
    await emitEvents(tx, userId, [{ type: "member.joined", orgId: inv.orgId, data: { userId, role: inv.role } }]);
  }

  /** An existing account accepts an invitation. */
  async acceptInvitation(actor: Actor, token: string, email: string) {
    return this.p.db.tx(async (tx) => {
      const inv = await this.claimInvitation(tx, token, { userId: actor.userId, email });
      if ((await membersRepo.roleOf(tx, inv.orgId, actor.userId)) !== undefined) {
        throw new DomainError("conflict", "You are already a member of this organization");
      }
      await this.addMemberFromInvitation(tx, inv, actor.userId, actor);
      const org = await orgsRepo.byId(tx, inv.orgId);
      return { ...toOrg(org!), role: inv.role };
    });
  }

  async listMembers(actor: Actor, orgId: string, q: { limit: number; cursor?: string }) {
    await this.authorize(actor, orgId, "members.read");
    const c = decodeCursor(q.cursor, 2, [cursorIs.text, cursorIs.uuid]);
    const rows = await membersRepo.page(this.p.db.readFor(actor), orgId, c ? { name: String(c[0]), id: String(c[1]) } : undefined, q.limit + 1);
    return pageOf(rows, q.limit, (m) => [m.name, m.user_id], toMember);
  }

  async getMember(actor: Actor, orgId: string, userId: string) {
    await this.authorize(actor, orgId, "members.read");
    const m = await membersRepo.get(this.p.db, orgId, userId);
    if (!m) throw notFound("Member");
    return toMember(m);
  }

  async updateMember(actor: Actor, orgId: string, userId: string, input: { role?: OrgRole; managerId?: string | null; departmentId?: string | null }) {
    const actorRole = await this.authorize(actor, orgId, "members.manage");
    return this.p.db.tx(async (tx) => {
      const m = await membersRepo.get(tx, orgId, userId);
      if (!m) throw notFound("Member");
      const role = input.role ?? m.role;
      if (role !== m.role) {
        assertMayGrant(actorRole, m.role, role);
        if (m.role === "owner" && (await membersRepo.countOwners(tx, orgId)) <= 1) throw lastOwner();
      }
      const managerId = input.managerId === undefined ? m.manager_id : input.managerId;
      if (managerId !== null && managerId !== m.manager_id) await this.assertValidManager(tx, orgId, userId, managerId);
      const departmentId = input.departmentId === undefined ? m.department_id : input.departmentId;
      if (departmentId !== null && !(await departmentsRepo.exists(tx, orgId, departmentId))) {
        throw invalid("body.departmentId", "is not a department of this organization");
      }
      await membersRepo.update(tx, orgId, userId, { role, managerId, departmentId });
      const changes = diff({ role: m.role, managerId: m.manager_id, departmentId: m.department_id }, { role, managerId, departmentId });
      await appendAudit(tx, actor, { orgId, action: "member.update", targetType: "user", targetId: userId, changes });
      await emitEvents(tx, actor.userId, [{ type: "member.updated", orgId, data: { userId, changes } }]);
      return toMember({ ...m, role, manager_id: managerId, department_id: departmentId });
    });
  }

  async removeMember(actor: Actor, orgId: string, userId: string): Promise<void> {
    const actorRole = await this.authorize(actor, orgId, "members.manage");
    await this.p.db.tx(async (tx) => {
      const m = await membersRepo.get(tx, orgId, userId);
      if (!m) throw notFound("Member");
      if (m.role === "owner") {
        assertMayGrant(actorRole, "owner", "member");
        if ((await membersRepo.countOwners(tx, orgId)) <= 1) throw lastOwner();
      }
      await membersRepo.remove(tx, orgId, userId);
      await appendAudit(tx, actor, { orgId, action: "member.remove", targetType: "user", targetId: userId, changes: { role: m.role } });
      await emitEvents(tx, actor.userId, [{ type: "member.removed", orgId, data: { userId } }]);
    });
  }

  async createDepartment(actor: Actor, orgId: string, input: { name: string; parentId?: string | null; headId?: string | null }) {
    await this.authorize(actor, orgId, "departments.manage");
    const name = input.name.trim();
    if (!name) throw invalid("body.name", "must not be blank");
    return this.p.db.tx(async (tx) => {
      const parentId = input.parentId ?? null;
      if (parentId && !(await departmentsRepo.exists(tx, orgId, parentId))) throw invalid("body.parentId", "is not a department of this organization");
      const headId = input.headId ?? null;
      if (headId && !(await membersRepo.roleOf(tx, orgId, headId))) throw invalid("body.headId", "is not a member of this organization");
      const d = await departmentsRepo.insert(tx, { id: newId(), orgId, name, parentId, headId });
      await appendAudit(tx, actor, { orgId, action: "department.create", targetType: "department", targetId: d.id, changes: { name, parentId, headId } });
      await emitEvents(tx, actor.userId, [{ type: "department.created", orgId, data: { id: d.id, name } }]);
      return toDepartment(d);
    });
  }

  async listDepartments(actor: Actor, orgId: string) {
    await this.authorize(actor, orgId, "members.read");
    return { items: (await departmentsRepo.list(this.p.db.readFor(actor), orgId)).map(toDepartment), nextCursor: null };
  }

  /** A manager must be a member, and the reporting line must not loop back to the user. */
  private async assertValidManager(tx: Tx, orgId: string, userId: string, managerId: string): Promise<void> {
    if (managerId === userId) throw invalid("body.managerId", "cannot be the member themself");
    if (!(await membersRepo.roleOf(tx, orgId, managerId))) throw invalid("body.managerId", "is not a member of this organization");
    let cursor: string | null = managerId;
    for (let depth = 0; cursor && depth < 100; depth++) {
      cursor = await membersRepo.managerOf(tx, orgId, cursor);
      if (cursor === userId) throw invalid("body.managerId", "would make the reporting line a loop");
    }
  }
}
