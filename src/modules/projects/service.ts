import type { Actor } from "../../platform/actor.js";
import { cursorIs, decodeCursor, pageOf } from "../../platform/cursor.js";
import type { Queryable, Tx } from "../../platform/db/index.js";
import { diff } from "../../platform/diff.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import { assertOrgCan } from "../orgs/policy.js";
import { membersRepo } from "../orgs/repository.js";
import type { OrgsService } from "../orgs/service.js";
import type { CacheEntry, Snapshot } from "../../platform/versioned-cache.js";
import { ProjectAccessCache } from "./access.js";
import { assertProjectCan, type ProjectAction, type ProjectRole } from "./policy.js";
import { projectMembersRepo, projectsRepo, type ProjectRow } from "./repository.js";
import { DEFAULT_WORKFLOW, validateWorkflow, type Workflow } from "./workflow.js";

export const toProject = (p: ProjectRow, role?: ProjectRole) => ({
  id: p.id,
  orgId: p.org_id,
  key: p.key,
  name: p.name,
  description: p.description,
  version: p.version,
  createdBy: p.created_by,
  createdAt: p.created_at,
  updatedAt: p.updated_at,
  ...(role ? { role } : {}),
});

export interface ProjectAccess {
  project: ProjectRow;
  role: ProjectRole;
  /** The cache as read with the check (before any database read), holding the caller's extra keys. */
  cached: Snapshot;
}

/** Lets the tasks module report which statuses are in use without projects reading its tables. */
export type StatusUsage = (projectId: string) => Promise<string[]>;

export class ProjectsService {
  private statusUsage: StatusUsage = () => Promise.resolve([]);
  private readonly accessCache: ProjectAccessCache;

  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {
    this.accessCache = new ProjectAccessCache(p.db, p.hotCache);
  }

  useStatusUsage(fn: StatusUsage): void {
    this.statusUsage = fn;
  }

  /**
   * Loads a project the actor may see and checks the action. A project in
   * another org, or one a guest is not in, is a 404. Served from the cache when
   * nothing changed; `extra` rides along in the same cache round trip.
   */
  async access(actor: Actor, projectId: string, action: ProjectAction = "project.read", extra?: readonly CacheEntry<unknown>[]): Promise<ProjectAccess> {
    const { project, role, cached } = await this.accessCache.check(actor.userId, projectId, extra);
    if (!project || !role) throw notFound("Project");
    assertProjectCan(role, action);
    return { project, role, cached };
  }

  /** The user's role in the project; undefined when they may not see it (or it is gone). */
  async roleOf(userId: string, projectId: string): Promise<ProjectRole | undefined> {
    return (await this.accessCache.check(userId, projectId)).role;
  }

  async create(actor: Actor, orgId: string, input: { key: string; name: string; description?: string }) {
    const orgRole = await this.orgs.roleIn(orgId, actor.userId);
    assertOrgCan(orgRole, "projects.create");
    return this.p.db.tx(async (tx) => {
      const id = newId();
      const row = await projectsRepo.insert(tx, {
        id,
        orgId,
        key: input.key,
        name: input.name.trim(),
        description: input.description ?? "",
        workflow: DEFAULT_WORKFLOW,
        createdBy: actor.userId,
      });
      if (!row) throw new DomainError("project_key_taken", `The key ${input.key} is already used in this organization`);
      await projectMembersRepo.put(tx, { projectId: id, orgId, userId: actor.userId, role: "manager" });
      await appendAudit(tx, actor, { orgId, action: "project.create", targetType: "project", targetId: id, changes: { key: input.key, name: row.name } });
      await emitEvents(tx, actor.userId, [{ type: "project.created", orgId, projectId: id, data: toProject(row) }]);
      return toProject(row, "manager");
    });
  }

  async list(actor: Actor, orgId: string, q: { limit: number; cursor?: string }) {
    const orgRole = await this.orgs.roleIn(orgId, actor.userId);
    const c = decodeCursor(q.cursor, 1, [cursorIs.text]);
    const rows = await projectsRepo.page(this.p.db.readFor(actor), orgId, orgRole === "guest" ? actor.userId : null, c ? String(c[0]) : null, q.limit + 1);
    return pageOf(rows, q.limit, (r) => [r.key], (r) => toProject(r));
  }

  async get(actor: Actor, projectId: string) {
    const { project, role } = await this.access(actor, projectId);
    return toProject(project, role);
  }

  async update(actor: Actor, projectId: string, input: { name?: string; description?: string }, expectedVersion?: number) {
    const { project, role } = await this.access(actor, projectId, "project.update");
    return this.p.db.tx(async (tx) => {
      const current = await projectsRepo.byId(tx, project.id);
      if (!current) throw notFound("Project");
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new DomainError("version_conflict", `The project is at version ${current.version}, not ${expectedVersion}`);
      }
      const next = { name: input.name?.trim() ?? current.name, description: input.description ?? current.description };
      const row = await projectsRepo.update(tx, project.id, next);
      const changes = diff({ name: current.name, description: current.description }, next);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.update", targetType: "project", targetId: project.id, changes });
      await emitEvents(tx, actor.userId, [{ type: "project.updated", orgId: project.org_id, projectId: project.id, data: { id: project.id, changes } }]);
      return toProject(row, role);
    });
  }

  async remove(actor: Actor, projectId: string): Promise<void> {
    const { project } = await this.access(actor, projectId, "project.delete");
    await this.p.db.tx(async (tx) => {
      // Archived, not erased: tasks and comments stay recoverable by an operator.
      await projectsRepo.archive(tx, project.id);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.delete", targetType: "project", targetId: project.id, changes: { key: project.key } });
      await emitEvents(tx, actor.userId, [{ type: "project.deleted", orgId: project.org_id, projectId: project.id, data: { id: project.id } }]);
    });
  }

  async putMember(actor: Actor, projectId: string, userId: string, role: ProjectRole) {
    const { project } = await this.access(actor, projectId, "members.manage");
    return this.p.db.tx(async (tx) => {
      if (!(await membersRepo.roleOf(tx, project.org_id, userId))) {
        throw new DomainError("not_org_member", "Only members of the project's organization can join it");
      }
      const before = await projectMembersRepo.put(tx, { projectId: project.id, orgId: project.org_id, userId, role });
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.member.put", targetType: "project", targetId: project.id, changes: { userId, role: { from: before ?? null, to: role } } });
      await emitEvents(tx, actor.userId, [{ type: "project.member.updated", orgId: project.org_id, projectId: project.id, data: { userId, role } }]);
      return { projectId: project.id, userId, role };
    });
  }

  async removeMember(actor: Actor, projectId: string, userId: string): Promise<void> {
    const { project } = await this.access(actor, projectId, "members.manage");
    await this.p.db.tx(async (tx) => {
      if (!(await projectMembersRepo.remove(tx, project.id, userId))) throw notFound("Project member");
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.member.remove", targetType: "project", targetId: project.id, changes: { userId } });
      await emitEvents(tx, actor.userId, [{ type: "project.member.removed", orgId: project.org_id, projectId: project.id, data: { userId } }]);
    });
  }

  async members(actor: Actor, projectId: string) {
    const { project } = await this.access(actor, projectId);
    const rows = await projectMembersRepo.list(this.p.db.readFor(actor), project.id);
    return { items: rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, role: r.role })), nextCursor: null };
  }

  /** For other modules' internal steps (no actor): a live project by id, or undefined. */
  load(q: Queryable, projectId: string): Promise<ProjectRow | undefined> {
    return projectsRepo.byId(q, projectId);
  }

  memberCount(projectId: string, q: Queryable = this.p.db): Promise<number> {
    return projectMembersRepo.count(q, projectId);
  }

  /** The org of a project this process has already loaded (a project never changes org). */
  knownOrgOf(projectId: string): string | undefined {
    return this.accessCache.knownOrgOf(projectId);
  }

  async getWorkflow(actor: Actor, projectId: string): Promise<Workflow> {
    return (await this.access(actor, projectId)).project.workflow;
  }

  async putWorkflow(actor: Actor, projectId: string, workflow: Workflow): Promise<Workflow> {
    const { project } = await this.access(actor, projectId, "workflow.update");
    validateWorkflow(workflow);
    const keys = new Set(workflow.statuses.map((s) => s.key));
    const orphaned = (await this.statusUsage(project.id)).filter((s) => !keys.has(s));
    if (orphaned.length > 0) {
      throw new DomainError("invalid_workflow", `Tasks still use the removed statuses: ${orphaned.join(", ")}; move them first`, {
        errors: orphaned.map((s) => ({ path: "body.statuses", message: `status "${s}" is still used by tasks` })),
      });
    }
    const clean: Workflow = {
      statuses: workflow.statuses.map((s) => ({ key: s.key, name: s.name, category: s.category })),
      transitions: workflow.transitions.map((t) => ({ from: t.from, to: t.to, ...(t.approvalFlowKey ? { approvalFlowKey: t.approvalFlowKey } : {}) })),
    };
    return this.p.db.tx(async (tx) => {
      const row = await projectsRepo.setWorkflow(tx, project.id, clean);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.workflow.update", targetType: "project", targetId: project.id, changes: { from: project.workflow, to: clean } });
      await emitEvents(tx, actor.userId, [{ type: "project.workflow.updated", orgId: project.org_id, projectId: project.id, data: { workflow: clean } }]);
      return row.workflow;
    });
  }

  /** Inside a task transaction: the next task number of a project (locks the project row). */
  nextTaskNumber(tx: Tx, projectId: string): Promise<number> {
    return projectsRepo.nextTaskNumber(tx, projectId);
  }
}
