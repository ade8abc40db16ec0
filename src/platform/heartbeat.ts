import type { Database } from "./db/index.js";
import type { Logger } from "./logger.js";
import { startInterval } from "./interval.js";

const BEAT_MS = 1000;
/** A node silent for this long is dead: its claims (idempotency keys) may be taken over. */
export const NODE_DEAD_AFTER_SECONDS = 5;

/** Records that this process is alive, so others can tell a crash from a slow request. */
export async function startHeartbeat(db: Database, nodeId: string, log: Logger): Promise<() => Promise<void>> {
  const beat = () =>
    db.query(
      `insert into node_heartbeats (node_id) values ($1)
       on conflict (node_id) do update set seen_at = now()`,
      [nodeId],
    );
  await beat();
  const stop = startInterval("heartbeat", BEAT_MS, log, async () => {
    await beat();
    // Rows of processes long gone.
    if (Math.random() < 0.01) await db.query("delete from node_heartbeats where seen_at < now() - interval '1 day'");
  });
  return async () => {
    await stop();
    await db.query("delete from node_heartbeats where node_id = $1", [nodeId]).catch(() => undefined);
  };
}
