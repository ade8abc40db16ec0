import type { Database } from "../../src/platform/db/index.js";
import { newId } from "../../src/platform/ids.js";
import { taskId, type Plan } from "./plan.js";
import { rng } from "./random.js";
import { commentBody } from "./text.js";

// A backlog of committed outbox events for the outbox scenario: the rows
// emitEvents (src/platform/outbox.ts) writes for task updates and comments, on
// real tasks of the dataset, so the notification consumer's jobs do their real
// work (task lookup, watchers, notifications) rather than returning at once.

interface OutboxRow {
  id: string;
  org_id: string;
  project_id: string;
  type: string;
  data: Record<string, unknown>;
  actor_id: string;
}

const INSERT = `insert into outbox_events (id, org_id, project_id, type, data, actor_id)
  select id, org_id, project_id, type, data, actor_id from jsonb_to_recordset($1::jsonb) as x(id uuid, org_id uuid, project_id uuid, type text, data jsonb, actor_id uuid)`;

/** The event shapes of TasksService.update (task.updated) and CommentsService.create (comment.created). */
function* backlog(plan: Plan, count: number): Generator<OutboxRow> {
  const r = rng(`${plan.seed}/outbox`);
  const projects = plan.projects.filter((p) => p.workers.length > 0 && p.taskCount > 0);
  const weights = projects.map((p) => [p, p.taskCount] as const);
  const now = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const p = r.weighted(weights);
    const number = r.int(1, p.taskCount);
    const id = taskId(plan.seed, p.index, number);
    const key = `${p.key}-${number}`;
    const actor = plan.users[r.pick(p.workers)]!.id;
    const base = { id: newId(), org_id: plan.orgs[p.orgIndex]!.id, project_id: p.id, actor_id: actor };
    const kind = r.next();
    if (kind < 0.5) {
      yield { ...base, type: "task.updated", data: { id, key, version: 2, changes: { status: { from: "todo", to: "in_progress" } } } };
    } else if (kind < 0.6) {
      yield { ...base, type: "task.updated", data: { id, key, version: 2, changes: { assigneeId: { from: null, to: plan.users[r.pick(p.workers)]!.id } } } };
    } else if (kind < 0.8) {
      yield { ...base, type: "task.updated", data: { id, key, version: 2, changes: { priority: { from: "medium", to: "high" } } } };
    } else {
      yield {
        ...base,
        type: "comment.created",
        data: { id: newId(), taskId: id, authorId: actor, body: commentBody(r, r.chance(0.6)), mentions: [], createdAt: now, taskKey: key, taskTitle: "", assigneeId: null },
      };
    }
  }
}

/** Inserts `count` unpublished events in one transaction: the relay sees all of them at its next poll. */
export async function insertBacklog(db: Database, plan: Plan, count: number): Promise<void> {
  const batch = db.kind === "postgres" ? 5000 : 2000;
  await db.tx(async (tx) => {
    let rows: OutboxRow[] = [];
    for (const row of backlog(plan, count)) {
      rows.push(row);
      if (rows.length === batch) {
        await tx.query(INSERT, [JSON.stringify(rows)]);
        rows = [];
      }
    }
    if (rows.length > 0) await tx.query(INSERT, [JSON.stringify(rows)]);
  });
}
