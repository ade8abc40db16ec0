import type { Database, Tx } from "./db/index.js";
import { NODE_DEAD_AFTER_SECONDS } from "./heartbeat.js";

export interface StoredResponse {
  request_hash: string;
  state: "in_flight" | "done";
  effect_committed: boolean;
  /** The claim's node has stopped beating: it died mid-request. */
  holder_dead: boolean;
  status_code: number | null;
  response_body: string | null;
  response_type: string | null;
  fresh: boolean;
}

const TTL = "24 hours";

/** Idempotency records: the first request with a key claims it; the rest replay its response. */
export const idempotencyStore = {
  /** Claims (scope, key); true when this request is the first within the TTL. */
  async claim(db: Database, scope: string, key: string, requestHash: string, holder: string): Promise<boolean> {
    return db.tx(async (tx) => {
      // An expired record is forgotten, so the key can be used again.
      await tx.query(`delete from idempotency_keys where scope = $1 and key = $2 and created_at < now() - interval '${TTL}'`, [scope, key]);
      const r = await tx.query(
        "insert into idempotency_keys (scope, key, request_hash, state, holder) values ($1, $2, $3, 'in_flight', $4) on conflict do nothing",
        [scope, key, requestHash, holder],
      );
      return r.rowCount > 0;
    });
  },
  /**
   * Takes over the claim of a node that died mid-request, if its write never committed (the
   * commit would have set effect_committed atomically). Exactly one retry wins the takeover.
   */
  async takeOver(db: Database, scope: string, key: string, requestHash: string, holder: string): Promise<boolean> {
    const r = await db.query(
      `update idempotency_keys k set holder = $4
        where scope = $1 and key = $2 and request_hash = $3 and state = 'in_flight' and not effect_committed
          and not exists (select 1 from node_heartbeats h
                           where h.node_id = k.holder and h.seen_at > now() - make_interval(secs => $5))`,
      [scope, key, requestHash, holder, NODE_DEAD_AFTER_SECONDS],
    );
    return r.rowCount > 0;
  },
  /** Inside the write's own transaction (a queued write, sent before the commit): from now on a retry must replay, never re-execute. */
  markEffect(tx: Tx, scope: string, key: string): void {
    tx.queueWrite("update idempotency_keys set effect_committed = true where scope = $1 and key = $2 and state = 'in_flight'", [scope, key]);
  },
  async get(db: Database, scope: string, key: string): Promise<StoredResponse | undefined> {
    const r = await db.query<StoredResponse>(
      `select request_hash, state, status_code, response_body, response_type, effect_committed,
              created_at > now() - interval '${TTL}' as fresh,
              not exists (select 1 from node_heartbeats h
                          where h.node_id = k.holder and h.seen_at > now() - make_interval(secs => $3)) as holder_dead
         from idempotency_keys k where scope = $1 and key = $2`,
      [scope, key, NODE_DEAD_AFTER_SECONDS],
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
