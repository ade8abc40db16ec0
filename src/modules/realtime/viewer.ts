import type { RelayedEvent } from "../../platform/events/types.js";
import { atLeast, type OrgRole } from "../orgs/policy.js";
import { effectiveProjectRole, projectCan, type ProjectRole } from "../projects/policy.js";
import { audienceOf, changesAccessOf, type Audience } from "./audience.js";

/** Where a viewer reads the permissions it caches. */
export interface AccessSource {
  orgRolesOf(userId: string): Promise<Map<string, OrgRole>>;
  projectRoleOf(userId: string, projectId: string): Promise<ProjectRole | undefined>;
}

/**
 * One connection's view of its user's permissions: org roles and project roles, cached so that
 * fanning an event out to thousands of sockets costs no query, re-read after `ttlMs` and at
 * once when an event changes this user's memberships.
 */
export class Viewer {
  private orgRoles = new Map<string, OrgRole>();
  private readonly projectRoles = new Map<string, ProjectRole | null>();
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly userId: string,
    private readonly source: AccessSource,
    private readonly ttlMs: number,
  ) {}

  get orgIds(): string[] {
    return [...this.orgRoles.keys()];
  }

  isStale(now = Date.now()): boolean {
    return now - this.loadedAt > this.ttlMs;
  }

  async refresh(): Promise<void> {
    this.orgRoles = await this.source.orgRolesOf(this.userId);
    this.projectRoles.clear();
    this.loadedAt = Date.now();
  }

  /** Synchronous when the answer is cached, which is the common case. */
  mayRead(e: RelayedEvent, audience: Audience = audienceOf(e)): boolean | Promise<boolean> {
    if (audience.subject === this.userId) return true;
    const orgRole = e.orgId === null ? undefined : this.orgRoles.get(e.orgId);
    if (!orgRole) return false;
    if (audience.users?.includes(this.userId)) return true;
    if (audience.minOrgRole && atLeast(orgRole, audience.minOrgRole)) return true;
    return audience.projectId ? this.readsProject(orgRole, audience.projectId) : false;
  }

  /** Forgets what the event made stale; call after deciding on the event itself. */
  noteChange(e: RelayedEvent): void {
    const changed = changesAccessOf(e, this.userId);
    if (changed === "org") this.loadedAt = Number.NEGATIVE_INFINITY;
    else if (changed === "project" && e.projectId) this.projectRoles.delete(e.projectId);
  }

  private readsProject(orgRole: OrgRole, projectId: string): boolean | Promise<boolean> {
    // Members and above read every project of the org: an explicit project role only picks
    // between viewer, member and manager, all of which read.
    const implicit = effectiveProjectRole(orgRole, undefined);
    if (implicit) return projectCan(implicit, "project.read");
    const cached = this.projectRoles.get(projectId);
    if (cached !== undefined) return cached !== null && projectCan(cached, "project.read");
    return this.source.projectRoleOf(this.userId, projectId).then((role) => {
      this.projectRoles.set(projectId, role ?? null);
      return role !== undefined && projectCan(role, "project.read");
    });
  }
}
