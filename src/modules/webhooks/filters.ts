// Which events a webhook receives: exact types (`task.created`), a family
// (`task.*`, also `approval.task.*`) or everything (`*`).

export const EVENT_PATTERN = "^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$";

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export const matchesAny = (patterns: readonly string[], type: string): boolean => patterns.some((p) => matchesPattern(p, type));

/** Events meant for one user (in-app notifications) never leave through an organization's webhooks. */
export const isDeliverable = (type: string): boolean => !type.startsWith("notification.");

/** The synthetic event of `POST .../test`. */
export const PING_EVENT = "webhook.ping";
