import { forbidden } from "../../platform/errors.js";
import type { OrgRole } from "../orgs/policy.js";

export type ProjectRole = "manager" | "member" | "viewer";
export const PROJECT_ROLES: readonly ProjectRole[] = ["manager", "member", "viewer"];

export type ProjectAction = "project.read" | "project.update" | "project.delete" | "members.manage" | "workflow.update" | "tasks.write";

const rank: Record<ProjectRole, number> = { viewer: 0, member: 1, manager: 2 };
const minimum: Record<ProjectAction, ProjectRole> = {
  "project.read": "viewer",
  "project.update": "manager",
  "project.delete": "manager",
  "members.manage": "manager",
  "workflow.update": "manager",
  "tasks.write": "member",
};

/**
 * The role a user effectively holds in a project. Org owners and admins manage
 * every project; org members work in every project (as in Jira's default scheme)
 * unless given an explicit role; guests see only projects they were added to.
 */
export function effectiveProjectRole(orgRole: OrgRole, explicit: ProjectRole | undefined): ProjectRole | undefined {
  if (orgRole === "owner" || orgRole === "admin") return "manager";
  if (explicit) return explicit;
  return orgRole === "member" ? "member" : undefined;
}

export const projectCan = (role: ProjectRole, action: ProjectAction): boolean => rank[role] >= rank[minimum[action]];

export function assertProjectCan(role: ProjectRole, action: ProjectAction): void {
  if (!projectCan(role, action)) throw forbidden(`Your project role (${role}) does not allow ${action}`);
}
