import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DomainError, errorStatus, guardFailure, type ErrorCode, type FieldError } from "../platform/errors.js";
import { errorTitle, pickLocale } from "../platform/i18n.js";

// The one place where errors become HTTP: RFC 9457 problem+json with a stable code.

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function validationErrors(issues: AjvIssue[], context: string | undefined): FieldError[] {
  return issues.map((i) => {
    let path = `${context ?? "body"}${(i.instancePath ?? "").replace(/\//g, ".")}`;
    const missing = i.params?.missingProperty;
    if (typeof missing === "string") path = `${path}.${missing}`;
    const extra = i.params?.additionalProperty;
    if (typeof extra === "string") path = `${path}.${extra}`;
    return { path, message: i.message ?? "is invalid" };
  });
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
  FST_ERR_CTP_EMPTY_JSON_BODY: "bad_request",
  FST_ERR_CTP_INVALID_JSON_BODY: "bad_request",
  FST_ERR_VALIDATION: "validation_failed",
};

export function toProblem(thrown: unknown): { code: ErrorCode; detail: string; errors?: FieldError[]; headers?: Record<string, string> } {
  const err = guardFailure(thrown) ?? thrown;
  if (err instanceof DomainError) {
    return { code: err.code, detail: err.message, ...(err.errors ? { errors: err.errors } : {}), ...(err.headers ? { headers: err.headers } : {}) };
  }
  const fe = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe.validation) {
    return { code: "validation_failed", detail: "The request has invalid fields", errors: validationErrors(fe.validation, fe.validationContext) };
  }
  const mapped = fe.code ? fastifyCodes[fe.code] : undefined;
  if (mapped) return { code: mapped, detail: fe.message };
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Body parser and other framework client errors (malformed JSON, bad encodings, ...).
    const code = (Object.entries(errorStatus).find(([, s]) => s === fe.statusCode)?.[0] ?? "bad_request") as ErrorCode;
    return { code, detail: fe.message };
  }
  return { code: "internal_error", detail: "An unexpected error occurred; it has been logged" };
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: ReturnType<typeof toProblem>): FastifyReply {
  const status = errorStatus[p.code];
  const locale = pickLocale(req.headers["accept-language"]);
  if (p.headers) void reply.headers(p.headers);
  return reply
    .code(status)
    .type("application/problem+json")
    .serializer(JSON.stringify)
    .send({
      type: `https://plinth.dev/problems/${p.code.replace(/_/g, "-")}`,
      title: errorTitle(p.code, locale),
      status,
      detail: p.detail,
      code: p.code,
      ...(p.errors ? { errors: p.errors } : {}),
    });
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err);
    if (p.code === "internal_error") req.log.error({ err }, "unhandled error");
    return sendProblem(req, reply, p);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(req, reply, { code: "not_found", detail: `No route for ${req.method} ${req.url.split("?")[0] ?? ""}` }),
  );
}
