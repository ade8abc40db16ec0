import type { Queryable } from "../../platform/db/index.js";
import { relayedEvent, type OutboxEventRow, type RelayedEvent } from "../../platform/events/types.js";

interface ReplayRow extends OutboxEventRow {
  pub_seq: string;
}

export const replayRepo = {
  /** Publication number of a published event still kept in the outbox; undefined when unknown or pruned. */
  async pubSeqOf(q: Queryable, eventId: string): Promise<string | undefined> {
    const r = await q.query<{ pub_seq: string }>("select pub_seq::text as pub_seq from outbox_events where id = $1 and pub_seq is not null", [eventId]);
    return r.rows[0]?.pub_seq;
  },

  /** Published events of these orgs after `afterSeq`, in publication order. */
  async after(q: Queryable, afterSeq: string, orgIds: readonly string[], limit: number): Promise<RelayedEvent[]> {
    if (orgIds.length === 0) return [];
    const r = await q.query<ReplayRow>(
      `select pub_seq::text as pub_seq, id, org_id, project_id, type, data, actor_id, created_at from outbox_events
        where pub_seq > $1::bigint and org_id = any($2::uuid[]) order by pub_seq limit $3`,
      [afterSeq, orgIds, limit],
    );
    return r.rows.map((row) => relayedEvent(row, row.pub_seq));
  },
};
