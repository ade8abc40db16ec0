import type { Queryable, Tx } from "../../platform/db/index.js";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  locale: string;
  is_instance_admin: boolean;
  created_at: string;
}

export interface TokenOwner {
  token_id: string;
  user_id: string;
  kind: "session" | "personal";
  is_instance_admin: boolean;
}

export const usersRepo = {
  async count(q: Queryable): Promise<number> {
    const r = await q.query<{ n: number }>("select count(*)::int as n from users");
    return r.rows[0]?.n ?? 0;
  },
  async byEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
    const r = await q.query<UserRow>("select * from users where lower(email) = lower($1)", [email]);
    return r.rows[0];
  },
  async byId(q: Queryable, id: string): Promise<UserRow | undefined> {
    const r = await q.query<UserRow>("select * from users where id = $1", [id]);
    return r.rows[0];
  },
  async insert(tx: Tx, u: { id: string; email: string; name: string; passwordHash: string; isInstanceAdmin: boolean }): Promise<UserRow> {
    const r = await tx.query<UserRow>(
      `insert into users (id, email, name, password_hash, is_instance_admin) values ($1, $2, $3, $4, $5)
       on conflict do nothing returning *`,
      [u.id, u.email, u.name, u.passwordHash, u.isInstanceAdmin],
    );
    return r.rows[0]!;
  },
  async updateProfile(tx: Tx, id: string, p: { name: string | undefined; locale: string | undefined }): Promise<boolean> {
    const r = await tx.query("update users set name = coalesce($2, name), locale = coalesce($3, locale), updated_at = now() where id = $1", [id, p.name ?? null, p.locale ?? null]);
    return r.rowCount > 0;
  },
  async setPassword(tx: Tx, id: string, passwordHash: string): Promise<void> {
    await tx.query("update users set password_hash = $2, updated_at = now() where id = $1", [id, passwordHash]);
  },
  async makeInstanceAdmin(tx: Tx, id: string): Promise<void> {
    await tx.query("update users set is_instance_admin = true, updated_at = now() where id = $1", [id]);
  },
};

export const tokensRepo = {
  async insert(
    tx: Tx,
    t: { id: string; userId: string; kind: "session" | "personal"; name: string | null; tokenHash: string; expiresAt: string | null },
  ): Promise<void> {
    await tx.query(
      "insert into auth_tokens (id, user_id, kind, name, token_hash, expires_at) values ($1, $2, $3, $4, $5, $6)",
      [t.id, t.userId, t.kind, t.name, t.tokenHash, t.expiresAt],
    );
  },
  async ownerOf(q: Queryable, tokenHash: string): Promise<TokenOwner | undefined> {
    const r = await q.query<TokenOwner>(
      `select t.id as token_id, t.user_id, t.kind, u.is_instance_admin
         from auth_tokens t join users u on u.id = t.user_id
        where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())`,
      [tokenHash],
    );
    return r.rows[0];
  },
  async revokeByHash(tx: Tx, tokenHash: string): Promise<void> {
    await tx.query("update auth_tokens set revoked_at = now() where token_hash = $1 and revoked_at is null", [tokenHash]);
  },
  async listPersonal(q: Queryable, userId: string) {
    const r = await q.query<{ id: string; name: string; expires_at: string | null; created_at: string }>(
      `select id, name, expires_at, created_at from auth_tokens
        where user_id = $1 and kind = 'personal' and revoked_at is null order by created_at, id`,
      [userId],
    );
    return r.rows;
  },
  async revokePersonal(tx: Tx, userId: string, id: string): Promise<string | undefined> {
    const r = await tx.query<{ token_hash: string }>(
      `update auth_tokens set revoked_at = now()
        where id = $1 and user_id = $2 and kind = 'personal' and revoked_at is null returning token_hash`,
      [id, userId],
    );
    return r.rows[0]?.token_hash;
  },
};
