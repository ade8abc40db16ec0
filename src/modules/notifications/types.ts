// What a notification is about. The type is the API's `type` field and the key of
// per-type preferences; params are what the title and body are rendered from.

export const NOTIFICATION_TYPES = [
  "task.assigned",
  "task.mentioned",
  "task.commented",
  "task.status_changed",
  "task.due_soon",
  "task.overdue",
  "approval.assigned",
  "approval.decided",
  "approval.urged",
  "approval.timed_out",
  "approval.cc",
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const isNotificationType = (s: string): s is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(s);

/** Stored with the notification; names are kept as they were when it was made. */
export interface NotificationParams {
  /** Who acted; null for the system (reminders, timeouts). */
  actorName?: string | null;
  taskKey?: string;
  taskTitle?: string;
  dueDate?: string | null;
  /** Status names (task.status_changed). */
  from?: string;
  to?: string;
  /** The start of a comment (mentions, comments on watched tasks). */
  excerpt?: string;
  approvalTitle?: string;
  initiatorName?: string | null;
  /** Outcome of an approval: approved, rejected, returned, withdrawn; null while it waits. */
  outcome?: string | null;
}

/** One notification a source asks for, before preferences and access are applied. */
export interface Draft {
  userId: string;
  type: NotificationType;
  params: NotificationParams;
  /** Path under PLINTH_PUBLIC_URL, e.g. /tasks/ENG-12. */
  link: string;
}

/** Everything one source (an event, a reminder) notifies, in priority order: a user's first draft wins. */
export interface Delivery {
  /** Event id or reminder id: notifications are unique per (source, recipient). */
  sourceId: string;
  orgId: string;
  actorId: string | null;
  /** When set, recipients must (still) be able to see this project. */
  projectId: string | null;
  /** When it happened (the event's commit time); lists sort by it. Default: now. */
  at?: string;
  drafts: Draft[];
}

export type EmailMode = "immediate" | "digest" | "off";
export const EMAIL_MODES = ["immediate", "digest", "off"] as const;
