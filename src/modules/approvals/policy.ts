import { forbidden } from "../../platform/errors.js";
import { atLeast, type OrgRole } from "../orgs/policy.js";

// Who may do what with approvals at the org level. Acting on an instance is
// decided per task (assignee) or per role in the instance (initiator) by the engine.

export type ApprovalOrgAction = "flows.read" | "flows.manage" | "approvals.start" | "reports.read" | "delegation.manage";

const minimum: Record<ApprovalOrgAction, OrgRole> = {
  "flows.read": "guest",
  "flows.manage": "admin",
  "approvals.start": "member",
  "reports.read": "admin",
  "delegation.manage": "member",
};

export function assertApprovalCan(role: OrgRole, action: ApprovalOrgAction): void {
  if (!atLeast(role, minimum[action])) throw forbidden(`Your organization role (${role}) does not allow ${action}`);
}
