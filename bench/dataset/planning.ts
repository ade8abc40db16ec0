import { hash } from "@node-rs/argon2";
import { DEFAULT_WORKFLOW } from "../../src/modules/projects/workflow.js";
import { addDays, dayNumber, mondayOf } from "../../src/modules/planning/calendar/workdays.js";
import type { Database } from "../../src/platform/db/index.js";
import { hashSecret, newSecret } from "../../src/platform/ids.js";
import { appDerived } from "./derived.js";
import { ARGON, Inserter, PLANNED_TASK_COLUMNS } from "./load.js";
import { BENCH_PASSWORD } from "./plan.js";
import { rng, stableUuid, type Rng } from "./random.js";
import type { DependencyRow, TaskRow } from "./rows.js";
import type { PlanningSize } from "./tiers.js";
import { personName, taskTitle } from "./text.js";

// The dataset of the planning scenario (issue 6): one org whose members all work
// in one big project, so GET /projects/{id}/schedule computes the critical path
// of every task and dependency, and GET /orgs/{id}/workload spreads every open
// task over its assignee's calendar. Its sizes are the (PLANNING_SIZES
// in tiers.ts), not a tier's.

export interface PlanningDataset {
  orgId: string;
  projectId: string;
  /** Session token of the org's owner (the requests' caller). */
  token: string;
  /** Monday the workload window starts on; it covers `weeks` whole weeks. */
  from: string;
  to: string;
  counts: Record<string, number>;
  seconds: number;
}

const DAY = 86_400_000;
/** A predecessor is one of the WINDOW tasks before its successor (tasks are numbered in start order). */
const WINDOW = 1500;
/** Every SUMMARY_EVERY-th task is a summary of the next few ones. */
const SUMMARY_EVERY = 40;
const SUMMARY_CHILDREN = 6;
const ESTIMATES = [2, 4, 6, 8, 12, 16, 24, 32, 40] as const;
const LINK_TYPES = [["FS", 80], ["SS", 10], ["FF", 7], ["SF", 3]] as const;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function lagOf(r: Rng): number {
  const roll = r.next();
  if (roll < 0.75) return 0;
  if (roll < 0.95) return r.int(1, 3);
  return -1; // a lead: may start a day before the predecessor finishes
}

/** Tasks of the project: their dates spread over the weeks, summaries with subtasks, milestones. */
interface Generated {
  tasks: TaskRow[];
  milestone: boolean[];
  summary: boolean[];
  /** Planned first and last day (day numbers) of every task, dated or not: links are drawn to fit them. */
  first: number[];
  last: number[];
}

function taskRows(size: PlanningSize, seed: string, ids: { org: string; project: string; users: string[] }, anchor: number): Generated {
  const r = rng(`${seed}/planning/tasks`);
  const span = size.weeks * 7 * DAY;
  const tasks: TaskRow[] = [];
  const milestone: boolean[] = [];
  const summary: boolean[] = [];
  const first: number[] = [];
  const last: number[] = [];
  let lastRank: string | null = null;
  let parent: string | null = null;
  let childrenLeft = 0;
  for (let num = 1; num <= size.tasks; num++) {
    const isSummary = num % SUMMARY_EVERY === 1 && num + SUMMARY_CHILDREN <= size.tasks;
    const isMilestone = !isSummary && childrenLeft === 0 && r.chance(0.01);
    // Nominal start moves through the weeks with the task number; a little earlier than the window
    // too, so some work started before it and still has hours left.
    const nominal = anchor - 7 * DAY + Math.floor(((num / size.tasks) * (span + 7 * DAY)) / DAY) * DAY + r.int(-3, 3) * DAY;
    const length = r.int(1, 12);
    const shape = r.next();
    const startDate = isSummary ? null : shape < 0.6 || (shape >= 0.8 && shape < 0.9) ? isoDate(nominal) : null;
    const dueDate = isSummary ? null : shape < 0.8 ? isoDate(nominal + length * DAY) : null;
    const estimate = isSummary || isMilestone ? null : r.chance(0.9) ? r.pick(ESTIMATES) : null;
    const status = r.weighted([["todo", 65], ["in_progress", 20], ["in_review", 5], ["done", 10]] as const);
    const progress = status === "done" ? 100 : status === "todo" ? 0 : r.int(10, 80);
    const spent = estimate !== null && progress > 0 ? Math.round(estimate * (progress / 100) * 4) / 4 : 0;
    const assignee = isSummary ? null : ids.users[r.int(0, ids.users.length - 1)]!;
    const rank = appDerived.nextRank(lastRank);
    lastRank = rank;
    const title = taskTitle(r);
    const created = new Date(anchor - 30 * DAY + num * 60_000).toISOString();
    tasks.push({
      id: stableUuid(seed, "planning-task", num),
      org_id: ids.org,
      project_id: ids.project,
      number: num,
      title,
      description: "",
      status,
      priority: "medium",
      priority_rank: 2,
      assignee_id: assignee,
      reporter_id: ids.users[0]!,
      start_date: startDate,
      due_date: dueDate,
      estimate_hours: estimate,
      spent_hours: spent,
      progress,
      parent_id: childrenLeft > 0 ? parent : null,
      labels: [],
      rank,
      search_tokens: appDerived.searchTokens(title, ""),
      created_at: created,
      updated_at: created,
    });
    milestone.push(isMilestone);
    summary.push(isSummary);
    first.push(nominal / DAY);
    last.push(nominal / DAY + (isMilestone ? 0 : length));
    if (childrenLeft > 0) childrenLeft--;
    if (isSummary) {
      parent = tasks[tasks.length - 1]!.id;
      childrenLeft = SUMMARY_CHILDREN;
    }
  }
  return { tasks, milestone, summary, first, last };
}

/** Whether a link fits the planned days, with a margin for weekends and holidays (lags are working days). */
function fits(type: DependencyRow["type"], lag: number, g: Generated, pred: number, succ: number): boolean {
  const gap = (from: number, to: number) => to - from >= Math.ceil(Math.max(0, lag) * 1.4) + (lag > 0 ? 2 : 0);
  switch (type) {
    case "FS":
      return gap(g.last[pred]!, g.first[succ]! - 1);
    case "SS":
      return gap(g.first[pred]!, g.first[succ]!);
    case "FF":
      return gap(g.last[pred]!, g.last[succ]!);
    case "SF":
      return gap(g.first[pred]!, g.last[succ]!);
  }
}

/**
 * Each task waits on 1-3 tasks that start before it, and whose planned days
 * allow the link, as in a plan people made with the dependencies in mind (a
 * few still conflict: their successors' dates come from estimates). Never a
 * summary at either end: a link to or from a summary could close a loop through
 * its subtasks. Edges go from lower to higher numbers, so there is no cycle.
 * Topped up at random to exactly `size.dependencies`.
 */
function dependencyRows(size: PlanningSize, seed: string, g: Generated, createdBy: string): DependencyRow[] {
  const r = rng(`${seed}/planning/dependencies`);
  const { tasks, summary } = g;
  const seen = new Set<number>();
  const out: DependencyRow[] = [];
  const n = tasks.length;
  const add = (pred: number, succ: number): boolean => {
    if (summary[pred] || summary[succ] || pred >= succ || seen.has(pred * n + succ) || out.length >= size.dependencies) return false;
    const type = r.weighted(LINK_TYPES);
    const lag = lagOf(r);
    if (!fits(type, lag, g, pred, succ)) return false;
    seen.add(pred * n + succ);
    const a = tasks[pred]!;
    const b = tasks[succ]!;
    out.push({
      id: stableUuid(seed, "planning-dependency", `${pred}:${succ}`),
      org_id: a.org_id,
      predecessor_id: a.id,
      successor_id: b.id,
      predecessor_project_id: a.project_id,
      successor_project_id: b.project_id,
      type,
      lag_days: lag,
      created_by: createdBy,
      created_at: b.created_at,
    });
    return true;
  };
  const earlier = (succ: number) => succ - r.int(1, Math.min(WINDOW, succ));
  for (let succ = 1; succ < n; succ++) {
    const k = r.weighted([[1, 25], [2, 50], [3, 25]] as const);
    for (let j = 0, tries = 0; j < k && tries < 20; tries++) if (add(earlier(succ), succ)) j++;
  }
  for (let tries = 0; out.length < size.dependencies && tries < size.dependencies * 20; tries++) {
    const succ = r.int(1, n - 1);
    add(earlier(succ), succ);
  }
  return out;
}

/** Generates the planning dataset and loads it into a migrated, empty database. */
export async function loadPlanningDataset(db: Database, size: PlanningSize, opts: { seed: string; today: Date; log?: (line: string) => void }): Promise<PlanningDataset> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const existing = await db.query<{ n: number }>("select count(*)::int as n from users");
  if ((existing.rows[0]?.n ?? 0) > 0) throw new Error("the bench database is not empty; the loader only fills a fresh one");
  const { seed } = opts;
  const r = rng(`${seed}/planning/people`);
  const from = mondayOf(opts.today.toISOString().slice(0, 10));
  const to = addDays(from, size.weeks * 7 - 1);
  const anchor = dayNumber(from) * DAY;
  const orgId = stableUuid(seed, "planning-org", 0);
  const projectId = stableUuid(seed, "planning-project", 0);
  const users = Array.from({ length: size.users }, (_, i) => stableUuid(seed, "planning-user", i));
  const ins = new Inserter(db, db.kind === "postgres" ? 4 : 1);
  const chunk = async (table: string, rows: object[], defs?: string) => {
    for (let i = 0; i < rows.length; i += 1000) await ins.add(table, rows.slice(i, i + 1000), undefined, defs);
    await ins.drain();
  };

  const passwordHash = await hash(BENCH_PASSWORD, ARGON);
  const slug = `plan-${seed.replace(/[^a-z0-9]/gi, "").toLowerCase().slice(0, 20) || "seed"}`;
  await chunk(
    "users",
    users.map((id, i) => ({ id, email: `user${i + 1}@${slug}.bench.plinth.test`, name: personName(r), password_hash: passwordHash, locale: r.chance(0.7) ? "zh-CN" : "en", is_instance_admin: i === 0 })),
  );
  await chunk("orgs", [{ id: orgId, name: "规划基准 / Planning bench", slug, created_by: users[0] }]);
  await chunk("org_members", users.map((id, i) => ({ org_id: orgId, user_id: id, role: i === 0 ? "owner" : i <= size.users / 50 ? "admin" : "member", manager_id: null, department_id: null })));
  await chunk("projects", [{ id: projectId, org_id: orgId, key: "PLAN", name: "年度发布计划 / Release plan", description: "", workflow: DEFAULT_WORKFLOW, task_seq: size.tasks, created_by: users[0] }]);
  await chunk("project_members", users.map((id, i) => ({ project_id: projectId, user_id: id, org_id: orgId, role: i === 0 ? "manager" : "member" })));
  const token = newSecret("pls");
  await chunk("auth_tokens", [{ id: stableUuid(seed, "planning-token", 0), user_id: users[0], kind: "session", token_hash: hashSecret(token), expires_at: new Date(Date.now() + 7 * DAY).toISOString() }]);

  // The org's calendar: the standard week with holidays and a make-up Saturday inside the window,
  // so working-day arithmetic meets exceptions; some people part-time or on a 4-day week, some away.
  await chunk("org_calendars", [{ org_id: orgId, working_weekdays: [1, 2, 3, 4, 5], hours_per_day: 8 }]);
  await chunk("calendar_days", [
    { org_id: orgId, day: addDays(from, 7 * 2 + 2), working: false, name: "假日 / Holiday", source: null },
    { org_id: orgId, day: addDays(from, 7 * 6), working: false, name: "假日 / Holiday", source: null },
    { org_id: orgId, day: addDays(from, 7 * 6 + 1), working: false, name: "假日 / Holiday", source: null },
    { org_id: orgId, day: addDays(from, 7 * 3 + 5), working: true, name: "调休 / Make-up day", source: null },
  ]);
  const capacities: object[] = [];
  const timeOff: object[] = [];
  users.forEach((id, i) => {
    if (r.chance(0.1)) capacities.push({ org_id: orgId, user_id: id, hours_per_day: r.pick([4, 6]), working_weekdays: r.chance(0.5) ? [1, 2, 3, 4] : null });
    if (r.chance(0.15)) {
      const start = addDays(from, r.int(0, size.weeks * 7 - 7));
      timeOff.push({ id: stableUuid(seed, "planning-time-off", i), org_id: orgId, user_id: id, start_date: start, end_date: addDays(start, r.int(0, 6)), note: "", created_by: id });
    }
  });
  await chunk("user_capacities", capacities);
  await chunk("time_off", timeOff);

  const generated = taskRows(size, seed, { org: orgId, project: projectId, users }, anchor);
  await chunk("tasks", generated.tasks.map((t, i) => ({ ...t, milestone: generated.milestone[i] })), PLANNED_TASK_COLUMNS);
  const dependencies = dependencyRows(size, seed, generated, users[0]!);
  if (dependencies.length < size.dependencies) throw new Error(`only ${dependencies.length} of ${size.dependencies} dependencies fit the planned dates`);
  await chunk("task_dependencies", dependencies);
  await db.query("analyze");
  const seconds = (Date.now() - t0) / 1000;
  log(`  planning dataset: ${ins.counts.users} users, ${ins.counts.tasks} tasks, ${ins.counts.task_dependencies} dependencies in ${seconds.toFixed(1)} s`);
  return { orgId, projectId, token, from, to, counts: ins.counts, seconds };
}
