import type { Tx } from "../../platform/db/index.js";

export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  changes?: Record<string, unknown>;
}

export interface AuditActor {
  userId: string | null;
  ip: string;
  requestId: string;
}

/** Appends one audit record inside the caller's transaction (a queued write: sent before the next statement or the commit). */
export async function appendAudit(tx: Tx, actor: AuditActor, e: AuditEntry): Promise<void> {
  tx.queueWrite(
    `insert into audit_log (org_id, actor_id, action, target_type, target_id, changes, ip, request_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.orgId, actor.userId, e.action, e.targetType, e.targetId, JSON.stringify(e.changes ?? {}), actor.ip, actor.requestId],
  );
}
