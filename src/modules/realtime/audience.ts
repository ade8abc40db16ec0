import type { RelayedEvent } from "../../platform/events/types.js";
import type { OrgRole } from "../orgs/policy.js";

/**
 * Who, inside the event's organization, may see an event: the users it names, members holding
 * at least `minOrgRole`, or readers of `projectId`. Any one of them suffices; nobody outside
 * the organization ever does.
 */
export interface Audience {
  users?: readonly string[];
  minOrgRole?: OrgRole;
  projectId?: string;
  /** Told even when no longer in the organization: the member an event removes. */
  subject?: string;
}

const strings = (...values: unknown[]): string[] => values.filter((v): v is string => typeof v === "string");

/** The people an approval event is about: initiator, assignees, delegators, cc and urged users. */
function namedInApproval(d: Record<string, unknown>): string[] {
  const tasks = Array.isArray(d.tasks) ? (d.tasks as Record<string, unknown>[]) : [];
  return strings(
    d.initiatorId,
    d.toUserId,
    ...(Array.isArray(d.userIds) ? (d.userIds as unknown[]) : []),
    ...tasks.flatMap((t) => [t.assigneeId, t.onBehalfOf]),
  );
}

// Rules mirror the HTTP reads: invitations and webhooks are for admins (invitations.create,
// webhooks.manage), an approval for its initiator, participants, admins and readers of its
// subject, everything else in a project for the project's readers, the rest for every member.
export function audienceOf(e: RelayedEvent): Audience {
  const d = e.data;
  if (e.type === "member.removed") return { minOrgRole: "guest", ...(typeof d.userId === "string" ? { subject: d.userId } : {}) };
  if (e.type.startsWith("notification.")) return { users: strings(d.recipientId) };
  if (e.type.startsWith("invitation.") || e.type.startsWith("webhook.")) return { minOrgRole: "admin" };
  if (e.type.startsWith("approval.delegation.")) return { users: strings(d.userId, d.delegateId), minOrgRole: "admin" };
  if (e.type.startsWith("approval.")) return { users: namedInApproval(d), minOrgRole: "admin", ...(e.projectId ? { projectId: e.projectId } : {}) };
  // The project is gone, so its readers cannot be looked up any more; every member could list it.
  if (e.type === "project.deleted") return { minOrgRole: "member" };
  if (e.projectId) return { projectId: e.projectId };
  return { minOrgRole: "guest" };
}

/** Events after which this user's own permissions must be read again. */
export function changesAccessOf(e: RelayedEvent, userId: string): "org" | "project" | undefined {
  if (e.data.userId !== userId) return e.type === "project.deleted" ? "project" : undefined;
  if (e.type.startsWith("member.")) return "org";
  if (e.type.startsWith("project.member.")) return "project";
  return undefined;
}
