import { BoundedMap } from "../../platform/bounded-map.js";
import type { Database } from "../../platform/db/index.js";
import { isUuid } from "../../platform/ids.js";
import { cacheEntry, generation, type CacheEntry, type Snapshot, type VersionedCache } from "../../platform/versioned-cache.js";
import { effectiveProjectRole, type ProjectRole } from "./policy.js";
import { projectMembersRepo, projectsRepo, type ProjectRow } from "./repository.js";

export interface CheckedAccess {
  /** Undefined: no live project with this id. */
  project: ProjectRow | undefined;
  /** Undefined: the user may not see the project. */
  role: ProjectRole | undefined;
  /** The cache as read before the database, with the caller's own entries. */
  cached: Snapshot;
}

const PROJECT_TTL_SECONDS = 300;
// Permission sets live shorter: a revocation that could not reach the cache (Redis cut off
// from the writing node only) lasts at most this long.
const ROLE_TTL_SECONDS = 60;

const projectEntry = (projectId: string) =>
  cacheEntry<{ row: ProjectRow | null }>("project", `project:${projectId}`, [generation.access(projectId)], PROJECT_TTL_SECONDS);
const roleEntry = (projectId: string, orgId: string, userId: string) =>
  cacheEntry<{ role: ProjectRole | null }>("access", `prole:${projectId}:${userId}`, [generation.org(orgId), generation.access(projectId)], ROLE_TTL_SECONDS);

/**
 * A user's role in a project, cached per (project, user) under the org's and the project's
 * generations; the project row (workflow included) cached under the project's. Misses read
 * the primary: a value read from a lagging replica could be stored as current.
 */
export class ProjectAccessCache {
  // A project never changes org.
  private readonly orgOf = new BoundedMap<string, string>(20_000);

  constructor(
    private readonly db: Database,
    private readonly cache: VersionedCache,
  ) {}

  knownOrgOf(projectId: string): string | undefined {
    return this.orgOf.get(projectId);
  }

  /** `extra` entries ride along in the same cache round trip. */
  async check(userId: string, projectId: string, extra: readonly CacheEntry<unknown>[] = []): Promise<CheckedAccess> {
    if (!isUuid(projectId)) return { project: undefined, role: undefined, cached: await this.cache.snapshot(extra) };
    const orgId = this.orgOf.get(projectId);
    const projectCached = projectEntry(projectId);
    // The org's generation is only known once this process has seen the project.
    const roleCached = orgId === undefined ? undefined : roleEntry(projectId, orgId, userId);
    const cached = await this.cache.snapshot([projectCached, ...(roleCached ? [roleCached] : []), ...extra]);

    let project = cached.get(projectCached)?.row;
    if (project === undefined) {
      project = (await projectsRepo.byId(this.db, projectId)) ?? null;
      cached.put(projectCached, { row: project });
    }
    if (!project) return { project: undefined, role: undefined, cached };
    this.orgOf.set(projectId, project.org_id);

    let role = roleCached && cached.get(roleCached)?.role;
    if (role === undefined) {
      const roles = await projectMembersRepo.rolesOf(this.db, projectId, project.org_id, userId);
      role = (roles && effectiveProjectRole(roles.org_role, roles.project_role ?? undefined)) ?? null;
      if (roleCached) cached.put(roleCached, { role });
    }
    return { project, role: role ?? undefined, cached };
  }
}
