import { randomBytes } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Config } from "../../config.js";
import { CSRF_COOKIE, SESSION_COOKIE, actorOf, metaOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import type { AuthService } from "./service.js";
import { AuthResult, CreateTokenBody, CreatedToken, LoginBody, Me, SignupBody, TokenList, TokenParams, UpdateMeBody } from "./schemas.js";

const tags = ["auth"];

export function registerAuthRoutes(app: App, auth: AuthService, config: Config): void {
  const secure = config.publicUrl.startsWith("https://");
  const setSession = (reply: FastifyReply, token: string) => {
    const maxAge = config.sessionTtlHours * 3600;
    void reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge });
    void reply.setCookie(CSRF_COOKIE, randomBytes(16).toString("hex"), { path: "/", httpOnly: false, sameSite: "lax", secure, maxAge });
  };

  app.post(
    "/api/v1/auth/signup",
    {
      config: { public: true },
      schema: { tags, summary: "Create an account", security: [], body: SignupBody, response: { 201: AuthResult, ...errorResponses(403, 409, 422) } },
    },
    async (req, reply) => {
      const result = await auth.signup(req.body, metaOf(req));
      setSession(reply, result.token);
      return reply.code(201).send(result);
    },
  );

  app.post(
    "/api/v1/auth/login",
    {
      config: { public: true },
      schema: { tags, summary: "Sign in", security: [], body: LoginBody, response: { 200: AuthResult, ...errorResponses(429) } },
    },
    async (req, reply) => {
      const result = await auth.login(req.body, metaOf(req));
      setSession(reply, result.token);
      return result;
    },
  );

  app.post("/api/v1/auth/logout", { schema: { tags, summary: "Sign out: revokes this token", response: { 204: { type: "null" }, ...errorResponses() } } }, async (req, reply) => {
    await auth.logout(req.authToken ?? "", actorOf(req));
    void reply.clearCookie(SESSION_COOKIE, { path: "/" }).clearCookie(CSRF_COOKIE, { path: "/" });
    return reply.code(204).send(null);
  });

  app.get("/api/v1/me", { schema: { tags, summary: "The signed-in user and their organizations", response: { 200: Me, ...errorResponses() } } }, async (req) =>
    auth.me(actorOf(req)),
  );

  app.patch(
    "/api/v1/me",
    { schema: { tags, summary: "Change my name or language (zh-CN or en: notifications and e-mails use it)", body: UpdateMeBody, response: { 200: Me, ...errorResponses() } } },
    async (req) => auth.updateProfile(actorOf(req), req.body),
  );

  app.post(
    "/api/v1/me/tokens",
    { schema: { tags, summary: "Create a personal access token (shown once)", body: CreateTokenBody, response: { 201: CreatedToken, ...errorResponses() } } },
    async (req, reply) => reply.code(201).send(await auth.createPersonalToken(actorOf(req), req.body)),
  );

  app.get("/api/v1/me/tokens", { schema: { tags, summary: "My personal access tokens", response: { 200: TokenList, ...errorResponses() } } }, async (req) => ({
    items: await auth.listPersonalTokens(actorOf(req)),
    nextCursor: null,
  }));

  app.delete(
    "/api/v1/me/tokens/:tokenId",
    { schema: { tags, summary: "Revoke a personal access token", params: TokenParams, response: { 204: { type: "null" }, ...errorResponses(404) } } },
    async (req, reply) => {
      await auth.revokePersonalToken(actorOf(req), req.params.tokenId);
      return reply.code(204).send(null);
    },
  );
}
