import type { Queryable } from "../../../platform/db/index.js";
import type { RelayedEvent } from "../../../platform/events/types.js";
import { isUuid } from "../../../platform/ids.js";
import { userIdsOf, type CardContext } from "./cards.js";

/** Looks up what a card shows but the event does not carry: people's names, the task or approval title. */
export async function loadCardContext(q: Queryable, event: RelayedEvent): Promise<CardContext> {
  const ids = userIdsOf(event).filter(isUuid);
  const users = new Map<string, string>();
  if (ids.length > 0) {
    const { rows } = await q.query<{ id: string; name: string }>("select id, name from users where id = any($1::uuid[])", [ids]);
    for (const r of rows) users.set(r.id, r.name);
  }
  const ctx: CardContext = { users };
  const id = event.data.id;
  if (event.type.startsWith("task.") && typeof event.data.title !== "string" && typeof id === "string" && isUuid(id) && event.orgId) {
    const { rows } = await q.query<{ title: string }>("select title from tasks where id = $1 and org_id = $2", [id, event.orgId]);
    if (rows[0]) ctx.taskTitle = rows[0].title;
  }
  const approvalId = event.data.approvalId ?? (event.type.startsWith("approval.") ? id : undefined);
  if (typeof approvalId === "string" && isUuid(approvalId) && event.orgId) {
    const { rows } = await q.query<{ title: string }>("select title from approval_instances where id = $1 and org_id = $2", [approvalId, event.orgId]);
    if (rows[0]) ctx.approvalTitle = rows[0].title;
  }
  return ctx;
}
