import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { InstanceSession } from "../engine/session.js";
import type { ApprovalTask, InstanceRecord, NodeRun, TimelineEvent } from "../engine/state.js";
import type { OrgRole } from "../../orgs/policy.js";

// Reading and writing one instance's runtime state. Writes are batched (one
// statement per table) so an action costs a fixed number of round trips.

interface InstanceRow {
  id: string;
  org_id: string;
  flow_id: string;
  flow_key: string;
  flow_version: number;
  title: string;
  initiator_id: string;
  form: Record<string, unknown>;
  subject_type: string | null;
  subject_id: string | null;
  subject_project_id: string | null;
  picked_approvers: Record<string, string[]>;
  status: InstanceRecord["status"];
  attempt: number;
  revision: number;
  last_seq: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const INSTANCE_COLUMNS = ["id", "org_id", "flow_id", "flow_key", "flow_version", "title", "initiator_id", "form", "subject_type", "subject_id",
  "subject_project_id", "picked_approvers", "status", "attempt", "revision", "last_seq", "created_at", "updated_at", "finished_at"];
const instanceCols = INSTANCE_COLUMNS.join(", ");

const toInstance = (r: InstanceRow): InstanceRecord => ({
  id: r.id,
  orgId: r.org_id,
  flowId: r.flow_id,
  flowKey: r.flow_key,
  flowVersion: r.flow_version,
  title: r.title,
  initiatorId: r.initiator_id,
  form: r.form,
  subject: r.subject_type === "task" && r.subject_id ? { type: "task", id: r.subject_id } : null,
  subjectProjectId: r.subject_project_id,
  picked: r.picked_approvers,
  status: r.status,
  attempt: r.attempt,
  revision: r.revision,
  lastSeq: r.last_seq,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

const runCols = `id, instance_id as "instanceId", attempt, ordinal, node_id as "nodeId", node_type as "nodeType", name, mode, threshold, kind,
  host_run_id as "hostRunId", continue_from as "continueFrom", status, invalidated, cc_user_ids as "ccUserIds", note,
  activated_at as "activatedAt", decided_at as "decidedAt", last_urged_at as "lastUrgedAt"`;

const taskCols = `id, instance_id as "instanceId", run_id as "runId", attempt, assignee_id as "assigneeId", on_behalf_of as "onBehalfOf", position,
  status, origin, blocks_task_id as "blocksTaskId", counts, auto_reason as "autoReason", comment, decided_by as "decidedBy",
  decided_at as "decidedAt", pending_since as "pendingSince", created_at as "createdAt"`;

const eventCols = `seq, attempt, type, actor_id as "actorId", node_id as "nodeId", task_id as "taskId", data, request_id as "requestId", at`;

/** json_agg prints timestamps with the session's offset; the engine works in ISO UTC. */
const iso = (v: string | null): string | null => (v === null ? null : new Date(v).toISOString());

export interface InstanceState {
  runs: NodeRun[];
  tasks: ApprovalTask[];
  events: TimelineEvent[];
}

const stateOf = {
  runs: `coalesce((select json_agg(x order by x.ordinal) from (select ${runCols} from approval_node_runs where instance_id = $1) x), '[]')`,
  tasks: `coalesce((select json_agg(x order by x.position, x."createdAt", x.id) from (select ${taskCols} from approval_tasks where instance_id = $1) x), '[]')`,
  events: `coalesce((select json_agg(x order by x.seq) from (select ${eventCols} from approval_events where instance_id = $1) x), '[]')`,
};
const stateCols = `${stateOf.runs} as runs, ${stateOf.tasks} as tasks, ${stateOf.events} as events`;

/**
 * Locks the instance row ($1) with `lockSql` (a FOR UPDATE select of the instance's columns)
 * and reads its state in the same statement, unless another action held the lock and committed
 * while this one waited: the statement reads from a snapshot taken before the wait, so it
 * reads no state then (the row it locked is newer than its snapshot, as a save always bumps
 * the revision) and the state is read afterwards, now that nobody else can change it.
 */
const lockingWithState = (lockSql: string, extraCols = "") =>
  // \`fresh\` is materialized so that the revision is read once, not once per state column.
  `locked as materialized (${lockSql}),
   fresh as materialized (select l.revision = (select revision from approval_instances where id = $1) as current from locked l)
   select l.*${extraCols}, f.current,
     case when f.current then ${stateOf.runs} end as runs,
     case when f.current then ${stateOf.tasks} end as tasks,
     case when f.current then ${stateOf.events} end as events
     from locked l cross join fresh f`;

type LockedRow = InstanceRow & { current: boolean; runs: NodeRun[] | null; tasks: ApprovalTask[] | null; events: TimelineEvent[] | null };

export interface LockedInstance {
  instance: InstanceRecord;
  state: InstanceState;
}

async function lockedState(tx: Tx, row: LockedRow): Promise<LockedInstance> {
  const { runs, tasks, events } = row;
  const state = row.current && runs && tasks && events ? normalized({ runs, tasks, events }) : await instancesRepo.state(tx, row.id);
  return { instance: toInstance(row), state };
}

function normalized({ runs, tasks, events }: InstanceState): InstanceState {
  for (const run of runs) Object.assign(run, { activatedAt: iso(run.activatedAt), decidedAt: iso(run.decidedAt), lastUrgedAt: iso(run.lastUrgedAt) });
  for (const t of tasks) Object.assign(t, { decidedAt: iso(t.decidedAt), pendingSince: iso(t.pendingSince), createdAt: iso(t.createdAt)! });
  for (const e of events) e.at = iso(e.at)!;
  return { runs, tasks, events };
}

export const instancesRepo = {
  async insert(tx: Tx, i: InstanceRecord): Promise<void> {
    await tx.query(
      `insert into approval_instances (id, org_id, flow_id, flow_key, flow_version, title, initiator_id, form, subject_type, subject_id,
         subject_project_id, picked_approvers, status, attempt, revision, last_seq, created_at, updated_at, finished_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, $16, null)`,
      [i.id, i.orgId, i.flowId, i.flowKey, i.flowVersion, i.title, i.initiatorId, JSON.stringify(i.form), i.subject?.type ?? null, i.subject?.id ?? null,
        i.subjectProjectId, JSON.stringify(i.picked), i.status, i.attempt, i.revision, i.createdAt],
    );
  },
  /**
   * Locks the instance row (every action on an instance runs one at a time), reads the
   * actor's org role, records the request id (`claimed` is false for a replay), and reads
   * the runs, tasks and timeline, in one statement when nobody changed the instance meanwhile.
   */
  async lockForAction(tx: Tx, id: string, userId: string, requestId: string, action: string): Promise<(LockedInstance & { role: OrgRole | null; claimed: boolean }) | undefined> {
    const r = await tx.query<LockedRow & { role: OrgRole | null; claimed: number }>(
      `with claim as (
         insert into approval_requests (instance_id, request_id, action)
         select $1, $3, $4 where exists (select 1 from approval_instances where id = $1)
         on conflict do nothing returning 1),
       ${lockingWithState(
         `select ${INSTANCE_COLUMNS.map((c) => `i.${c}`).join(", ")}, m.role
            from approval_instances i left join org_members m on m.org_id = i.org_id and m.user_id = $2
           where i.id = $1 for update of i`,
         ", (select count(*) from claim)::int as claimed",
       )}`,
      [id, userId, requestId, action],
    );
    const row = r.rows[0];
    return row ? { ...(await lockedState(tx, row)), role: row.role, claimed: row.claimed > 0 } : undefined;
  },
  /** Locks the instance row and reads its state (timeouts act as nobody in particular). */
  async lock(tx: Tx, id: string): Promise<LockedInstance | undefined> {
    const r = await tx.query<LockedRow>(`with ${lockingWithState(`select ${instanceCols} from approval_instances where id = $1 for update`)}`, [id]);
    const row = r.rows[0];
    return row ? lockedState(tx, row) : undefined;
  },
  /** Runs, tasks and timeline of an instance, in one round trip (use inside the transaction that locked it). */
  async state(q: Queryable, instanceId: string): Promise<InstanceState> {
    const r = await q.query<InstanceState>(`select ${stateCols}`, [instanceId]);
    return normalized(r.rows[0]!);
  },
  /** The instance with its runs, tasks and timeline, from one snapshot (one statement): a read never sees half an action. */
  async snapshot(q: Queryable, id: string): Promise<(InstanceState & { instance: InstanceRecord }) | undefined> {
    const r = await q.query<InstanceRow & InstanceState>(`select ${instanceCols}, ${stateCols} from approval_instances where id = $1`, [id]);
    const row = r.rows[0];
    return row ? { instance: toInstance(row), ...normalized(row) } : undefined;
  },

  /**
   * Writes everything the session changed in one statement. Task updates are a
   * compare-and-set on the status each task had when loaded; the instance update
   * checks the revision it was loaded at. The updates name the instance as well as
   * the row ids: the planner cannot see how few rows jsonb_to_recordset yields and,
   * given only the ids, sometimes joins them to a sequential scan of the whole table.
   * Only the parts with rows are in the statement (an approve writes no runs, tasks,
   * cc or timeouts): PostgreSQL sets up every part of a plan on each execution.
   */
  save(tx: Tx, s: InstanceSession, expectedRevision: number): void {
    const i = s.instance;
    const changedTasks = s.tasks.filter((t) => s.loadedTaskStatus.has(t.id)).map((t) => ({ ...t, expected: s.loadedTaskStatus.get(t.id) }));
    const params: unknown[] = [i.id, i.orgId, s.now];
    const param = (v: unknown): string => `$${params.push(v)}`;
    const rows = (list: unknown[]): string => `${param(JSON.stringify(list))}::jsonb`;
    const parts: string[] = [];
    const newRuns = s.runs.filter((r) => s.newRunIds.has(r.id));
    if (newRuns.length > 0) {
      parts.push(`new_runs as (
         insert into approval_node_runs (id, instance_id, org_id, attempt, ordinal, node_id, node_type, name, mode, threshold, kind, host_run_id,
           continue_from, status, invalidated, cc_user_ids, note, activated_at, decided_at, last_urged_at)
         select x.id, $1, $2, x.attempt, x.ordinal, x."nodeId", x."nodeType", x.name, x.mode, x.threshold, x.kind, x."hostRunId",
           x."continueFrom", x.status, x.invalidated, x."ccUserIds", x.note, x."activatedAt", x."decidedAt", x."lastUrgedAt"
         from jsonb_to_recordset(${rows(newRuns)}) as x(id uuid, attempt int, ordinal int, "nodeId" text, "nodeType" text, name text, mode text,
           threshold jsonb, kind text, "hostRunId" uuid, "continueFrom" text, status text, invalidated boolean, "ccUserIds" jsonb, note jsonb,
           "activatedAt" timestamptz, "decidedAt" timestamptz, "lastUrgedAt" timestamptz))`);
    }
    const changedRuns = s.runs.filter((r) => s.changedRunIds.has(r.id));
    if (changedRuns.length > 0) {
      parts.push(`changed_runs as (
         update approval_node_runs r set status = x.status, invalidated = x.invalidated, note = x.note, activated_at = x."activatedAt",
           decided_at = x."decidedAt", last_urged_at = x."lastUrgedAt"
         from jsonb_to_recordset(${rows(changedRuns)}) as x(id uuid, status text, invalidated boolean, note jsonb, "activatedAt" timestamptz,
           "decidedAt" timestamptz, "lastUrgedAt" timestamptz)
         where r.instance_id = $1 and r.id = x.id)`);
    }
    if (changedTasks.length > 0) {
      parts.push(`changed_tasks as (
         update approval_tasks t set status = x.status, blocks_task_id = x."blocksTaskId", auto_reason = x."autoReason", comment = x.comment,
           decided_by = x."decidedBy", decided_at = x."decidedAt", pending_since = x."pendingSince"
         from jsonb_to_recordset(${rows(changedTasks)}) as x(id uuid, expected text, status text, "blocksTaskId" uuid, "autoReason" text, comment text,
           "decidedBy" uuid, "decidedAt" timestamptz, "pendingSince" timestamptz)
         where t.instance_id = $1 and t.id = x.id and t.status = x.expected
         returning t.id)`);
    }
    const newTasks = s.tasks.filter((t) => s.newTaskIds.has(t.id));
    if (newTasks.length > 0) {
      parts.push(`new_tasks as (
         insert into approval_tasks (id, instance_id, run_id, org_id, attempt, assignee_id, on_behalf_of, position, status, origin, blocks_task_id,
           counts, auto_reason, comment, decided_by, decided_at, pending_since, created_at)
         select x.id, $1, x."runId", $2, x.attempt, x."assigneeId", x."onBehalfOf", x.position, x.status, x.origin, x."blocksTaskId",
           x.counts, x."autoReason", x.comment, x."decidedBy", x."decidedAt", x."pendingSince", x."createdAt"
         from jsonb_to_recordset(${rows(newTasks)}) as x(id uuid, "runId" uuid, attempt int, "assigneeId" uuid, "onBehalfOf" uuid, position int,
           status text, origin text, "blocksTaskId" uuid, counts boolean, "autoReason" text, comment text, "decidedBy" uuid,
           "decidedAt" timestamptz, "pendingSince" timestamptz, "createdAt" timestamptz))`);
    }
    if (s.newEvents.length > 0) {
      parts.push(`new_events as (
         insert into approval_events (instance_id, seq, org_id, attempt, type, actor_id, node_id, task_id, data, request_id, at)
         select $1, x.seq, $2, x.attempt, x.type, x."actorId", x."nodeId", x."taskId", x.data, x."requestId", x.at
         from jsonb_to_recordset(${rows(s.newEvents)}) as x(seq int, attempt int, type text, "actorId" uuid, "nodeId" text, "taskId" uuid, data jsonb,
           "requestId" text, at timestamptz))`);
    }
    if (s.ccUserIds.length > 0) {
      parts.push(`new_cc as (
         insert into approval_cc (instance_id, user_id, org_id, created_at) select $1, u, $2, $3 from unnest(${param(s.ccUserIds)}::uuid[]) as u
         on conflict do nothing)`);
    }
    if (s.timeouts.length > 0) {
      parts.push(`new_timeouts as (
         insert into approval_timeouts (id, org_id, instance_id, run_id, action, due_at)
         select x.id, $2, $1, x."runId", x.action, x."dueAt" from jsonb_to_recordset(${rows(s.timeouts)}) as x(id uuid, "runId" uuid, action text, "dueAt" timestamptz))`);
    }
    parts.push(`changed_instance as (
         update approval_instances set status = ${param(i.status)}, attempt = ${param(i.attempt)}, form = ${param(JSON.stringify(i.form))},
           last_seq = ${param(i.lastSeq)}, revision = revision + 1, updated_at = $3, finished_at = ${param(i.finishedAt)}
          where id = $1 and org_id = $2 and revision = ${param(expectedRevision)}
         returning 1)`);
    // A queued write: it goes with the audit record, the outbox rows and the commit in one
    // round trip. Its guards fail the statement (and so the transaction) if a task or the
    // instance changed since they were read; the error becomes the domain error it names.
    const tasksUpdated = changedTasks.length > 0 ? "(select count(*) from changed_tasks)" : "0";
    tx.queueWrite(
      `with ${parts.join(",\n       ")}
       select plinth_guard(${tasksUpdated} = ${param(changedTasks.length)}, 'task_already_decided', 'Another decision on this task won the race')
          and plinth_guard((select count(*) from changed_instance) = 1, 'conflict', 'The approval changed while this action ran; retry')`,
      params,
    );
    i.revision = expectedRevision + 1;
    i.updatedAt = s.now;
  },
};

export interface DueTimeout {
  id: string;
  instance_id: string;
  run_id: string;
  action: string;
  attempts: number;
}

export const timeoutsRepo = {
  /** Claims the most overdue timeout no other worker holds (the row stays locked until commit). */
  async claimDue(tx: Tx, now: string): Promise<DueTimeout | undefined> {
    const r = await tx.query<DueTimeout>(
      `select id, instance_id, run_id, action, attempts from approval_timeouts
        where fired_at is null and due_at <= $1 order by due_at, id limit 1 for update skip locked`,
      [now],
    );
    return r.rows[0];
  },
  async markFired(tx: Tx, id: string, outcome: string, now: string): Promise<void> {
    await tx.query("update approval_timeouts set fired_at = $2, outcome = $3 where id = $1 and fired_at is null", [id, now, outcome]);
  },
  /** After a failure: retry later, backing off, so one bad row never blocks the others. */
  async postpone(q: Queryable, id: string, until: string): Promise<void> {
    await q.query("update approval_timeouts set attempts = attempts + 1, due_at = $2 where id = $1 and fired_at is null", [id, until]);
  },
};
