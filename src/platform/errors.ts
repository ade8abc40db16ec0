// Domain errors carry a stable snake_case code. Services throw them; exactly one
// place (http/problem.ts) turns them into RFC 9457 problem+json responses.

export const errorStatus = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  email_taken: 409,
  project_key_taken: 409,
  org_slug_taken: 409,
  conflict: 409,
  transition_not_allowed: 409,
  approval_pending: 409,
  approval_required: 409,
  idempotency_in_flight: 409,
  idempotency_applied: 409,
  task_already_decided: 409,
  approval_not_running: 409,
  flow_key_taken: 409,
  flow_archived: 409,
  dependency_exists: 409,
  invitation_required: 403,
  version_conflict: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  unprocessable: 422,
  idempotency_key_reused: 422,
  dependency_cycle: 422,
  daily_hours_exceeded: 422,
  invalid_parent: 422,
  invalid_assignee: 422,
  invalid_workflow: 422,
  invalid_flow: 422,
  subject_unresolved: 422,
  unknown_status: 422,
  not_org_member: 422,
  webhook_url_refused: 422,
  rate_limited: 429,
  service_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, detail?: string, extra?: { errors?: FieldError[]; headers?: Record<string, string> }) {
    super(detail ?? code);
    this.code = code;
    this.errors = extra?.errors;
    this.headers = extra?.headers;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/**
 * A write guard that failed inside the database (`plinth_guard`, migrations/041_write_guards.sql:
 * SQLSTATE PLN01, the domain error code in its detail) as the domain error it names.
 */
export function guardFailure(err: unknown): DomainError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, detail, message } = err as { code?: unknown; detail?: unknown; message?: unknown };
  if (code !== "PLN01" || typeof detail !== "string" || !Object.hasOwn(errorStatus, detail)) return undefined;
  return new DomainError(detail as ErrorCode, typeof message === "string" ? message : detail);
}

export const notFound = (what: string): DomainError => new DomainError("not_found", `${what} not found`);
export const forbidden = (why = "You are not allowed to do this"): DomainError => new DomainError("forbidden", why);
export const invalid = (path: string, message: string): DomainError =>
  new DomainError("validation_failed", message, { errors: [{ path, message }] });
