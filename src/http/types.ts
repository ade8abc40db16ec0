import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Actor } from "../platform/actor.js";

/** The Fastify instance every route module registers on (TypeBox-typed). */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
    /** The raw token that authenticated this request (for logout). */
    authToken: string | null;
    /** How the caller authenticated: a cookie is ambient (sent cross-site), a token is not. */
    authSource: "token" | "cookie" | null;
    idempotency: { scope: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /** Routes that need no authentication. */
    public?: boolean;
    /** Also accept the token as `?token=` (WebSocket routes only). */
    tokenInQuery?: boolean;
  }
}
