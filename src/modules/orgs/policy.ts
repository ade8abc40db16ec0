import { DomainError, forbidden } from "../../platform/errors.js";

export type OrgRole = "owner" | "admin" | "member" | "guest";
export const ORG_ROLES: readonly OrgRole[] = ["owner", "admin", "member", "guest"];

const rank: Record<OrgRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };

export type OrgAction =
  | "org.read"
  | "org.update"
  | "members.read"
  | "members.manage"
  | "invitations.create"
  | "departments.manage"
  | "projects.create"
  | "projects.read_all"
  | "webhooks.manage";

const minimum: Record<OrgAction, OrgRole> = {
  "org.read": "guest",
  "org.update": "admin",
  "members.read": "guest",
  "members.manage": "admin",
  "invitations.create": "admin",
  "departments.manage": "admin",
  "projects.create": "member",
  "projects.read_all": "member",
  "webhooks.manage": "admin",
};

export const orgCan = (role: OrgRole, action: OrgAction): boolean => rank[role] >= rank[minimum[action]];

export function assertOrgCan(role: OrgRole, action: OrgAction): void {
  if (!orgCan(role, action)) throw forbidden(`Your organization role (${role}) does not allow ${action}`);
}

/** Only owners may hand out or take away ownership. */
export function assertMayGrant(actorRole: OrgRole, from: OrgRole | undefined, to: OrgRole): void {
  if ((to === "owner" || from === "owner") && actorRole !== "owner") {
    throw forbidden("Only an owner can grant or revoke the owner role");
  }
}

export const atLeast = (role: OrgRole, min: OrgRole): boolean => rank[role] >= rank[min];

export const lastOwner = (): DomainError => new DomainError("conflict", "An organization must keep at least one owner");
