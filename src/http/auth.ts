import type { FastifyReply, FastifyRequest } from "fastify";
import type { Actor } from "../platform/actor.js";
import { DomainError } from "../platform/errors.js";
import type { AuthService } from "../modules/auth/service.js";
import type { App } from "./types.js";

export const SESSION_COOKIE = "plinth_session";
export const CSRF_COOKIE = "plinth_csrf";
export const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** `?token=`, only on routes that allow it: browsers cannot set headers on a WebSocket. */
function queryToken(req: FastifyRequest): string | undefined {
  if (req.routeOptions.config.tokenInQuery !== true) return undefined;
  const token = (req.query as { token?: unknown } | undefined)?.token;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/**
 * Resolves the caller from a Bearer token, a `?token=` (routes with `tokenInQuery`) or the
 * session cookie. Cookie-authenticated unsafe requests must echo the CSRF cookie in a header
 * (double submit).
 */
export function registerAuthentication(app: App, auth: AuthService): void {
  app.decorateRequest("actor", null);
  app.decorateRequest("authToken", null);
  app.decorateRequest("authSource", null);
  app.addHook("onRequest", async (req: FastifyRequest, _reply: FastifyReply) => {
    if (req.routeOptions.url === undefined) return; // unknown route: the 404 handler answers
    const explicit = bearerToken(req) ?? queryToken(req);
    const cookie = explicit ? undefined : req.cookies[SESSION_COOKIE];
    const token = explicit ?? cookie;
    if (token) {
      const found = await auth.authenticate(token);
      if (found) {
        if (cookie && !SAFE_METHODS.has(req.method)) {
          const expected = req.cookies[CSRF_COOKIE];
          if (!expected || req.headers[CSRF_HEADER] !== expected) {
            throw new DomainError("csrf_failed", `Cookie-authenticated requests must send the ${CSRF_HEADER} header`);
          }
        }
        req.actor = { userId: found.userId, isInstanceAdmin: found.isInstanceAdmin, ip: req.ip, requestId: req.id };
        req.authToken = token;
        req.authSource = cookie ? "cookie" : "token";
      }
    }
    if (!req.actor && req.routeOptions.config.public !== true) {
      throw new DomainError("unauthenticated", "Sign in, or send Authorization: Bearer <token>");
    }
  });
}

/** The authenticated caller; routes without `public` always have one. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError("unauthenticated", "Not authenticated");
  return req.actor;
}

export const metaOf = (req: FastifyRequest) => ({ ip: req.ip, requestId: req.id });
