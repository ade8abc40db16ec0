import { hash, verify } from "@node-rs/argon2";
import type { Actor, RequestMeta } from "../../platform/actor.js";
import { DomainError, invalid, notFound } from "../../platform/errors.js";
import { hashSecret, newId, newSecret } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { appendAudit } from "../audit/repository.js";
import type { OrgsService } from "../orgs/service.js";
import { tokensRepo, usersRepo, type UserRow } from "./repository.js";

// algorithm 2 = Argon2id (a const enum in the typings, so spelled as its value)
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const FIRST_USER_LOCK = 72_640_002;
const SESSION_CACHE_TTL = 60;

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  isInstanceAdmin: boolean;
  /** Language of notifications and e-mails: zh-CN or en. */
  locale: "zh-CN" | "en";
  createdAt: string;
}

export const toPublicUser = (u: UserRow): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isInstanceAdmin: u.is_instance_admin,
  locale: u.locale === "en" ? "en" : "zh-CN",
  createdAt: u.created_at,
});

export interface AuthenticatedToken {
  userId: string;
  isInstanceAdmin: boolean;
  kind: "session" | "personal";
}

export class AuthService {
  // Verified against when the email is unknown, so both failures take the same time.
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {
    this.dummyHash = hash("plinth-dummy-password", ARGON);
  }

  async signup(
    input: { email: string; password: string; name: string; invitationToken?: string },
    meta: RequestMeta,
  ): Promise<{ user: PublicUser; token: string }> {
    const email = input.email.trim();
    const name = input.name.trim();
    if (input.password.length < 10) throw invalid("body.password", "must be at least 10 characters");
    if (name.length === 0) throw invalid("body.name", "must not be blank");
    const passwordHash = await hash(input.password, ARGON);
    const token = newSecret("pls");
    const user = await this.p.db.tx(async (tx) => {
      // Serializes signups so exactly one account becomes the first (instance admin).
      await tx.query("select pg_advisory_xact_lock($1)", [FIRST_USER_LOCK]);
      const first = (await usersRepo.count(tx)) === 0;
      if (await usersRepo.byEmail(tx, email)) throw new DomainError("email_taken", "This email is already registered");
      const id = newId();
      if (input.invitationToken === undefined && !first && !this.p.config.openSignup) {
        throw new DomainError("invitation_required", "Signup needs an invitation on this instance");
      }
      const row = await usersRepo.insert(tx, { id, email, name, passwordHash, isInstanceAdmin: first });
      const invitation =
        input.invitationToken === undefined ? undefined : await this.orgs.claimInvitation(tx, input.invitationToken, { userId: id, email });
      if (invitation) await this.orgs.addMemberFromInvitation(tx, invitation, id, meta);
      await tokensRepo.insert(tx, { id: newId(), userId: id, kind: "session", name: null, tokenHash: hashSecret(token), expiresAt: this.sessionExpiry() });
      await appendAudit(tx, { userId: id, ...meta }, { orgId: invitation?.orgId ?? null, action: "user.signup", targetType: "user", targetId: id, changes: { email, instanceAdmin: first } });
      return row;
    });
    return { user: toPublicUser(user), token };
  }

  async login(input: { email: string; password: string }, meta: RequestMeta): Promise<{ user: PublicUser; token: string }> {
    const { loginMaxAttempts, loginMaxAttemptsPerIp, loginWindowSeconds: window } = this.p.config;
    const accountKey = `login:acct:${input.email.trim().toLowerCase()}`;
    const ipKey = `login:ip:${meta.ip}`;
    for (const [key, max] of [[accountKey, loginMaxAttempts], [ipKey, loginMaxAttemptsPerIp]] as const) {
      const seen = await this.p.rateLimits.peek(key);
      if (seen.count >= max) {
        throw new DomainError("rate_limited", "Too many failed logins; try again later", {
          headers: { "retry-after": String(seen.retryAfterSeconds) },
        });
      }
    }
    const user = await usersRepo.byEmail(this.p.db, input.email.trim());
    const ok = await verify(user?.password_hash ?? (await this.dummyHash), input.password).catch(() => false);
    if (!user || !ok) {
      await Promise.all([this.p.rateLimits.hit(accountKey, window), this.p.rateLimits.hit(ipKey, window)]);
      throw new DomainError("invalid_credentials", "Wrong email or password");
    }
    await this.p.rateLimits.reset(accountKey);
    const token = newSecret("pls");
    await this.p.db.tx(async (tx) => {
      await tokensRepo.insert(tx, { id: newId(), userId: user.id, kind: "session", name: null, tokenHash: hashSecret(token), expiresAt: this.sessionExpiry() });
      await appendAudit(tx, { userId: user.id, ...meta }, { orgId: null, action: "user.login", targetType: "user", targetId: user.id });
    });
    return { user: toPublicUser(user), token };
  }

  async logout(token: string, actor: Actor): Promise<void> {
    const tokenHash = hashSecret(token);
    await this.p.db.tx(async (tx) => {
      await tokensRepo.revokeByHash(tx, tokenHash);
      await appendAudit(tx, actor, { orgId: null, action: "user.logout", targetType: "user", targetId: actor.userId });
    });
    await this.p.cache.del(`token:${tokenHash}`);
  }

  /** Resolves a bearer or cookie token to its user; cached briefly, revocation clears the cache. */
  async authenticate(token: string): Promise<AuthenticatedToken | undefined> {
    if (token.length > 200) return undefined;
    const tokenHash = hashSecret(token);
    const cached = await this.p.cache.get<AuthenticatedToken | null>(`token:${tokenHash}`);
    this.p.hotCache.stats.count("session", cached !== undefined);
    if (cached !== undefined) return cached ?? undefined;
    const owner = await tokensRepo.ownerOf(this.p.db, tokenHash);
    const result = owner ? { userId: owner.user_id, isInstanceAdmin: owner.is_instance_admin, kind: owner.kind } : null;
    await this.p.cache.set(`token:${tokenHash}`, result, SESSION_CACHE_TTL);
    return result ?? undefined;
  }

  async me(actor: Actor) {
    const user = await usersRepo.byId(this.p.db, actor.userId);
    if (!user) throw notFound("User");
    const orgs = await this.orgs.membershipsOf(actor.userId);
    return { ...toPublicUser(user), orgs };
  }

  /** Changes the caller's display name or language. */
  async updateProfile(actor: Actor, input: { name?: string; locale?: "zh-CN" | "en" }) {
    const name = input.name?.trim();
    if (name !== undefined && name.length === 0) throw invalid("body.name", "must not be blank");
    await this.p.db.tx(async (tx) => {
      const changed = await usersRepo.updateProfile(tx, actor.userId, { name, locale: input.locale });
      if (!changed) throw notFound("User");
      await appendAudit(tx, actor, { orgId: null, action: "user.update", targetType: "user", targetId: actor.userId, changes: { ...(name !== undefined ? { name } : {}), ...(input.locale ? { locale: input.locale } : {}) } });
    });
    return this.me(actor);
  }

  async createPersonalToken(actor: Actor, input: { name: string; expiresAt?: string }) {
    const name = input.name.trim();
    if (name.length === 0) throw invalid("body.name", "must not be blank");
    if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= Date.now()) {
      throw invalid("body.expiresAt", "must be in the future");
    }
    const token = newSecret("plp");
    const id = newId();
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString();
    await this.p.db.tx(async (tx) => {
      await tokensRepo.insert(tx, { id, userId: actor.userId, kind: "personal", name, tokenHash: hashSecret(token), expiresAt });
      await appendAudit(tx, actor, { orgId: null, action: "token.create", targetType: "token", targetId: id, changes: { name } });
    });
    return { id, name, token, expiresAt };
  }

  async listPersonalTokens(actor: Actor) {
    const rows = await tokensRepo.listPersonal(this.p.db, actor.userId);
    return rows.map((r) => ({ id: r.id, name: r.name, expiresAt: r.expires_at, createdAt: r.created_at }));
  }

  async revokePersonalToken(actor: Actor, id: string): Promise<void> {
    const tokenHash = await this.p.db.tx(async (tx) => {
      const h = await tokensRepo.revokePersonal(tx, actor.userId, id);
      if (!h) throw notFound("Token");
      await appendAudit(tx, actor, { orgId: null, action: "token.revoke", targetType: "token", targetId: id });
      return h;
    });
    await this.p.cache.del(`token:${tokenHash}`);
  }

  /**
   * CLI (create-admin, seed-demo): creates an account without the signup rules,
   * or, for an existing email, sets its password and (when asked) promotes it.
   */
  async createAccount(input: { email: string; password: string; name: string }, opts: { instanceAdmin: boolean }): Promise<PublicUser> {
    if (input.password.length < 10) throw invalid("password", "must be at least 10 characters");
    const passwordHash = await hash(input.password, ARGON);
    const user = await this.p.db.tx(async (tx) => {
      const existing = await usersRepo.byEmail(tx, input.email);
      if (existing) {
        if (opts.instanceAdmin) await usersRepo.makeInstanceAdmin(tx, existing.id);
        await usersRepo.setPassword(tx, existing.id, passwordHash);
        return { ...existing, is_instance_admin: existing.is_instance_admin || opts.instanceAdmin };
      }
      const id = newId();
      await appendAudit(tx, { userId: null, ip: "cli", requestId: "cli" }, { orgId: null, action: "user.create", targetType: "user", targetId: id, changes: { email: input.email, instanceAdmin: opts.instanceAdmin } });
      return usersRepo.insert(tx, { id, email: input.email, name: input.name, passwordHash, isInstanceAdmin: opts.instanceAdmin });
    });
    return toPublicUser(user);
  }

  private sessionExpiry(): string {
    return new Date(Date.now() + this.p.config.sessionTtlHours * 3_600_000).toISOString();
  }
}
