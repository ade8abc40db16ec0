import { hash } from "@node-rs/argon2";
import { DEFAULT_WORKFLOW } from "../../src/modules/projects/workflow.js";
import type { Database } from "../../src/platform/db/index.js";
import { hashSecret, newId, newSecret } from "../../src/platform/ids.js";
import type { PendingDecision } from "./approvals.js";
import { NOTIFICATION_COLUMNS, NotificationMaker, type NotificationRow } from "./notifications.js";
import { BENCH_PASSWORD, makePlan, type Plan } from "./plan.js";
import { commentBatches, taskBatches, type Derived, type ProjectTasks } from "./rows.js";
import { loadApprovalHistory } from "./tier-approvals.js";
import type { Tier } from "./tiers.js";

// Bulk loader: rows go in as one JSON document per batch, expanded server-side
// with jsonb_to_recordset (one statement per few thousand rows, same SQL on
// PGlite and PostgreSQL). Secondary indexes of the big tables are dropped
// during the load and rebuilt once at the end, as pg_restore does.

export interface LoadResult {
  plan: Plan;
  /** Session token per user index, for the load runner (the database stores only SHA-256). */
  tokens: string[];
  counts: Record<string, number>;
  /** Open approval tasks of the generated history, shuffled (the mix's approve/reject). */
  pendingApprovals: PendingDecision[];
  /** Unread notification ids per user index (the mix's "mark read"). */
  unreadNotifications: Map<number, string[]>;
  seconds: { total: number; tasks: number; comments: number; approvals: number; indexes: number };
  skipped: string[];
}

// The same Argon2id settings as the auth module (src/modules/auth/service.ts), so
// a bench user can also log in through the API with BENCH_PASSWORD.
export const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const BIG_TABLES = ["tasks", "comments", "task_activity", "task_dependencies", "worklogs", "notifications"];

const COLUMNS: Record<string, string> = {
  users: "id uuid, email text, name text, password_hash text, locale text, is_instance_admin boolean",
  orgs: "id uuid, name text, slug text, created_by uuid",
  departments: "id uuid, org_id uuid, name text, head_id uuid",
  org_members: "org_id uuid, user_id uuid, role text, manager_id uuid, department_id uuid",
  projects: "id uuid, org_id uuid, key text, name text, description text, workflow jsonb, task_seq integer, created_by uuid",
  project_members: "project_id uuid, user_id uuid, org_id uuid, role text",
  auth_tokens: "id uuid, user_id uuid, kind text, token_hash text, expires_at timestamptz",
  tasks:
    "id uuid, org_id uuid, project_id uuid, number integer, title text, description text, status text, priority text, " +
    "priority_rank smallint, assignee_id uuid, reporter_id uuid, start_date date, due_date date, estimate_hours numeric, " +
    "spent_hours numeric, progress smallint, parent_id uuid, labels text[], rank text, search_tokens text[], " +
    "created_at timestamptz, updated_at timestamptz",
  task_activity: "org_id uuid, task_id uuid, actor_id uuid, action text, changes jsonb, at timestamptz",
  comments: "id uuid, org_id uuid, task_id uuid, author_id uuid, body text, mentions uuid[], created_at timestamptz, updated_at timestamptz",
  task_dependencies:
    "id uuid, org_id uuid, predecessor_id uuid, successor_id uuid, predecessor_project_id uuid, successor_project_id uuid, " +
    "type text, lag_days integer, created_by uuid, created_at timestamptz",
  worklogs: "id uuid, org_id uuid, task_id uuid, user_id uuid, work_date date, hours numeric, created_at timestamptz",
  notifications: NOTIFICATION_COLUMNS,
  // Planning scenario only (bench/dataset/planning.ts).
  org_calendars: "org_id uuid, working_weekdays smallint[], hours_per_day numeric",
  calendar_days: "org_id uuid, day date, working boolean, name text, source text",
  user_capacities: "org_id uuid, user_id uuid, hours_per_day numeric, working_weekdays smallint[]",
  time_off: "id uuid, org_id uuid, user_id uuid, start_date date, end_date date, note text, created_by uuid",
};

/** The tasks columns plus the milestone flag of the planning migration (020). */
export const PLANNED_TASK_COLUMNS = `${COLUMNS.tasks}, milestone boolean`;

const columnNames = (table: string): string[] => COLUMNS[table]!.split(",").map((d) => d.trim().split(" ")[0]!);

/**
 * Why rows for a table of a later migration cannot be generated (undefined = they can):
 * the table is missing, or its columns are not the ones this generator writes.
 */
async function cannotGenerate(db: Database, table: string): Promise<string | undefined> {
  const r = await db.query<{ column_name: string; required: boolean }>(
    `select column_name, (is_nullable = 'NO' and column_default is null) as required
       from information_schema.columns where table_schema = current_schema() and table_name = $1`,
    [table],
  );
  if (r.rows.length === 0) return `no ${table} table in this database`;
  const ours = new Set(columnNames(table));
  const theirs = new Set(r.rows.map((c) => c.column_name));
  const unknown = r.rows.filter((c) => c.required && !ours.has(c.column_name)).map((c) => c.column_name);
  const gone = [...ours].filter((c) => !theirs.has(c));
  if (unknown.length === 0 && gone.length === 0) return undefined;
  return `the ${table} table's columns differ from the generator's (${[...unknown.map((c) => `needs ${c}`), ...gone.map((c) => `no ${c}`)].join(", ")})`;
}

async function hasTable(db: Database, table: string): Promise<boolean> {
  const r = await db.query("select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1", [table]);
  return r.rows.length > 0;
}

const insertSql = (table: string, defs = COLUMNS[table]!): string => {
  const names = defs.split(",").map((d) => d.trim().split(" ")[0]!).join(", ");
  return `insert into ${table} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as x(${defs})`;
};

/**
 * Runs inserts on `lanes` connections at once (PostgreSQL pool; PGlite has one).
 * Batches of one lane run in order, so a project's subtasks, which reference
 * earlier tasks of the same project, always come after their parent's batch.
 */
export class Inserter {
  private readonly lanes: Promise<void>[];
  private readonly queued: Promise<void>[] = [];
  private next = 0;
  readonly counts: Record<string, number> = {};
  constructor(
    private readonly db: Database,
    lanes: number,
  ) {
    this.lanes = Array.from({ length: lanes }, () => Promise.resolve());
  }

  /** Queues a batch on a lane (by default the next one round-robin); waits while too many are queued. `defs` overrides the table's columns. */
  async add(table: string, rows: readonly object[], lane?: number, defs?: string): Promise<void> {
    if (rows.length === 0) return;
    this.counts[table] = (this.counts[table] ?? 0) + rows.length;
    const l = (lane ?? this.next++) % this.lanes.length;
    const p = this.lanes[l]!.then(() => this.db.query(insertSql(table, defs), [JSON.stringify(rows)])).then(() => undefined);
    this.lanes[l] = p;
    // Failures surface in drain(); this copy only keeps them from being "unhandled" meanwhile.
    p.catch(() => undefined);
    this.queued.push(p);
    while (this.queued.length > this.lanes.length * 2) await this.queued.shift();
  }

  async drain(): Promise<void> {
    await Promise.all(this.queued.splice(0));
    await Promise.all(this.lanes);
  }
}

async function secondaryIndexes(db: Database): Promise<{ name: string; def: string }[]> {
  const r = await db.query<{ indexname: string; indexdef: string }>(
    `select i.indexname, i.indexdef from pg_indexes i
      where i.schemaname = current_schema() and i.tablename = any($1::text[])
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
      order by i.indexname`,
    [BIG_TABLES],
  );
  return r.rows.map((x) => ({ name: x.indexname, def: x.indexdef }));
}

/** Generates the tier's dataset from the seed and loads it into a migrated, empty database. */
export async function loadDataset(
  db: Database,
  tier: Tier,
  opts: { seed: string; anchor: Date; derived: Derived; log?: (line: string) => void },
): Promise<LoadResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const existing = await db.query<{ n: number }>("select count(*)::int as n from users");
  if ((existing.rows[0]?.n ?? 0) > 0) throw new Error("the bench database is not empty; the loader only fills a fresh one");
  const plan = makePlan(tier, opts.seed, opts.anchor);
  const ins = new Inserter(db, db.kind === "postgres" ? 4 : 1);
  const passwordHash = await hash(BENCH_PASSWORD, ARGON);
  const tokens = plan.users.map(() => newSecret("pls"));
  const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const chunk = async (table: string, rows: object[], size = 2000) => {
    for (let i = 0; i < rows.length; i += size) await ins.add(table, rows.slice(i, i + size));
  };

  // Identity and tenancy first: everything else references it.
  await chunk(
    "users",
    plan.users.map((u) => ({ id: u.id, email: u.email, name: u.name, password_hash: passwordHash, locale: u.locale, is_instance_admin: u.index === 0 })),
  );
  await ins.drain();
  await chunk("orgs", plan.orgs.map((o) => ({ id: o.id, name: o.name, slug: o.slug, created_by: plan.users[o.ownerIndex]!.id })));
  await ins.drain();
  await chunk(
    "departments",
    plan.orgs.flatMap((o) =>
      o.departmentIds.map((id, d) => ({ id, org_id: o.id, name: `部门 ${d + 1} / Dept ${d + 1}`, head_id: plan.users[o.userIndexes[d % o.userIndexes.length]!]!.id })),
    ),
  );
  await ins.drain();
  await chunk(
    "org_members",
    plan.users.map((u) => ({
      org_id: plan.orgs[u.orgIndex]!.id,
      user_id: u.id,
      role: u.role,
      manager_id: u.managerIndex === null ? null : plan.users[u.managerIndex]!.id,
      department_id: plan.orgs[u.orgIndex]!.departmentIds[u.departmentIndex]!,
    })),
  );
  await chunk(
    "projects",
    plan.projects.map((p) => ({
      id: p.id,
      org_id: plan.orgs[p.orgIndex]!.id,
      key: p.key,
      name: p.name,
      description: "",
      workflow: DEFAULT_WORKFLOW,
      task_seq: p.taskCount,
      created_by: plan.users[p.createdBy]!.id,
    })),
  );
  await ins.drain();
  await chunk(
    "project_members",
    plan.projects.flatMap((p) => [...p.team].map(([u, role]) => ({ project_id: p.id, user_id: plan.users[u]!.id, org_id: plan.orgs[p.orgIndex]!.id, role }))),
  );
  await chunk(
    "auth_tokens",
    plan.users.map((u, i) => ({ id: newId(), user_id: u.id, kind: "session", token_hash: hashSecret(tokens[i]!), expires_at: expires })),
  );
  await ins.drain();
  log(`  identity: ${plan.users.length} users, ${plan.orgs.length} orgs, ${plan.projects.length} projects`);

  // Planning tables (issue 6) may or may not be migrated yet; generate their rows only when they are.
  const why = {
    dependencies: await cannotGenerate(db, "task_dependencies"),
    worklogs: await cannotGenerate(db, "worklogs"),
    notifications: await cannotGenerate(db, "notifications"),
    approvals: (await hasTable(db, "approval_instances")) ? undefined : "no approval_instances table in this database",
  };
  const optional = { dependencies: why.dependencies === undefined, worklogs: why.worklogs === undefined };
  const notes = why.notifications === undefined ? new NotificationMaker(plan) : undefined;
  const indexes = await secondaryIndexes(db);
  for (const ix of indexes) await db.query(`drop index ${ix.name}`);

  const tTasks = Date.now();
  const created: ProjectTasks[] = [];
  const batchSize = db.kind === "postgres" ? 2000 : 1000;
  for (const p of plan.projects) {
    const out: ProjectTasks = { createdAt: new Float64Array(p.taskCount) };
    created.push(out);
    for (const b of taskBatches(plan, p, opts.derived, batchSize, out, optional)) {
      // Same lane as the project's tasks: dependencies and worklogs reference them.
      await ins.add("tasks", b.tasks, p.index);
      await ins.add("task_dependencies", b.dependencies, p.index);
      await ins.add("worklogs", b.worklogs, p.index);
      await ins.add("task_activity", b.activity);
      if (notes) await ins.add("notifications", notes.fromTasks(p, b.tasks));
    }
    if (tier.tasks >= 100_000 && p.index % 20 === 19) log(`  tasks: ${ins.counts.tasks ?? 0}/${tier.tasks}`);
  }
  await ins.drain();
  const tasksSeconds = (Date.now() - tTasks) / 1000;
  log(`  tasks: ${ins.counts.tasks ?? 0} in ${tasksSeconds.toFixed(1)} s`);

  const tComments = Date.now();
  for (const p of plan.projects) {
    for (const b of commentBatches(plan, p, created[p.index]!, batchSize * 2)) {
      await ins.add("comments", b);
      if (notes) await ins.add("notifications", notes.fromComments(p, b));
    }
    notes?.doneWith(p);
    if (tier.comments >= 300_000 && p.index % 20 === 19) log(`  comments: ${ins.counts.comments ?? 0}/${tier.comments}`);
  }
  await ins.drain();
  const commentsSeconds = (Date.now() - tComments) / 1000;
  log(`  comments: ${ins.counts.comments ?? 0} in ${commentsSeconds.toFixed(1)} s`);

  // Approvals go through the engine (tier-approvals.ts); their notifications are queued here.
  const tApprovals = Date.now();
  const approvalNotes: NotificationRow[] = [];
  const history = why.approvals
    ? undefined
    : await loadApprovalHistory(db, plan, tier.approvals, (e) => {
        if (notes) approvalNotes.push(...notes.fromApproval(e));
        return Promise.resolve();
      });
  await chunk("notifications", approvalNotes);
  await ins.drain();
  if (history) Object.assign(ins.counts, { approvals: history.instances, approvals_running: history.running, approval_tasks_pending: history.pendingTasks });
  if (notes) ins.counts.notifications_unread = notes.unreadCount;
  const approvalsSeconds = (Date.now() - tApprovals) / 1000;
  log(`  approvals: ${history?.instances ?? 0} (${history?.running ?? 0} waiting), notifications: ${ins.counts.notifications ?? 0} in ${approvalsSeconds.toFixed(1)} s`);

  const tIndexes = Date.now();
  await rebuildIndexes(db, indexes);
  await rollUpParentProgress(db);
  await db.query("analyze");
  const indexSeconds = (Date.now() - tIndexes) / 1000;
  log(`  indexes + analyze: ${indexSeconds.toFixed(1)} s`);

  return {
    plan,
    tokens,
    counts: ins.counts,
    pendingApprovals: history?.pending ?? [],
    unreadNotifications: notes?.unread ?? new Map(),
    seconds: { total: (Date.now() - t0) / 1000, tasks: tasksSeconds, comments: commentsSeconds, approvals: approvalsSeconds, indexes: indexSeconds },
    skipped: [
      ...(why.approvals ? [`approvals (${tier.approvals} planned): ${why.approvals} (issue 4)`] : []),
      ...(why.notifications ? [`notifications: ${why.notifications} (issue 5)`] : []),
      ...(why.dependencies ? [`task dependencies: ${why.dependencies} (issue 6)`] : []),
      ...(why.worklogs ? [`worklogs: ${why.worklogs} (issue 6)`] : []),
    ],
  };
}

async function rebuildIndexes(db: Database, indexes: { name: string; def: string }[]): Promise<void> {
  if (db.kind === "pglite") {
    for (const ix of indexes) await db.query(ix.def);
    return;
  }
  // Two at a time on PostgreSQL: one per core, each with room to sort in memory.
  const queue = [...indexes];
  const worker = async () => {
    for (let ix = queue.shift(); ix; ix = queue.shift()) {
      const def = ix.def;
      await db.tx(async (tx) => {
        await tx.query("set local maintenance_work_mem = '256MB'");
        await tx.query("set local statement_timeout = 0");
        await tx.query(def);
      });
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * A parent's progress is its subtasks' progress weighted by estimate (API.md);
 * generated parents get the value the application would have stored. The
 * expression is tasksRepo.rollUpProgress's, applied to every parent at once.
 */
async function rollUpParentProgress(db: Database): Promise<void> {
  await db.query(
    `update tasks p set progress = s.value
       from (select parent_id,
                    (case when sum(coalesce(estimate_hours, 1)) > 0
                          then round(sum(progress * coalesce(estimate_hours, 1)) / sum(coalesce(estimate_hours, 1)))
                          else round(avg(progress)) end)::smallint as value
               from tasks where parent_id is not null group by parent_id) s
      where p.id = s.parent_id`,
  );
}
