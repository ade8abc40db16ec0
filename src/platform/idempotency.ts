import type { Database } from "./db/index.js";

export interface StoredResponse {
  request_hash: string;
  state: "in_flight" | "done";
  status_code: number | null;
  response_body: string | null;
  response_type: string | null;
  fresh: boolean;
}

const TTL = "24 hours";

/** Idempotency records: the first request with a key claims it; the rest replay its response. */
export const idempotencyStore = {
  /** Claims (scope, key); true when this request is the first within the TTL. */
  async claim(db: Database, scope: string, key: string, requestHash: string): Promise<boolean> {
    return db.tx(async (tx) => {
      // An expired record is forgotten, so the key can be used again.
      await tx.query(`delete from idempotency_keys where scope = $1 and key = $2 and created_at < now() - interval '${TTL}'`, [scope, key]);
      const r = await tx.query(
        "insert into idempotency_keys (scope, key, request_hash, state) values ($1, $2, $3, 'in_flight') on conflict do nothing",
        [scope, key, requestHash],
      );
      return r.rowCount > 0;
    });
  },
  async get(db: Database, scope: string, key: string): Promise<StoredResponse | undefined> {
    const r = await db.query<StoredResponse>(
      `select request_hash, state, status_code, response_body, response_type,
              created_at > now() - interval '${TTL}' as fresh
         from idempotency_keys where scope = $1 and key = $2`,
      [scope, key],
    );
    return r.rows[0];
  },
  async complete(db: Database, scope: string, key: string, status: number, body: string, type: string): Promise<void> {
    await db.query(
      "update idempotency_keys set state = 'done', status_code = $3, response_body = $4, response_type = $5 where scope = $1 and key = $2",
      [scope, key, status, body, type],
    );
  },
  async release(db: Database, scope: string, key: string): Promise<void> {
    await db.query("delete from idempotency_keys where scope = $1 and key = $2 and state = 'in_flight'", [scope, key]);
  },
  async prune(db: Database): Promise<number> {
    const r = await db.query(`delete from idempotency_keys where created_at < now() - interval '${TTL}'`);
    return r.rowCount;
  },
};
