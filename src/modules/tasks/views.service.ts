import { createHash } from "node:crypto";
import type { Static } from "typebox";
import type { Actor } from "../../platform/actor.js";
import { decodeCursor, pageOf } from "../../platform/cursor.js";
import { invalid } from "../../platform/errors.js";
import { isUuid } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { cacheEntry, generation } from "../../platform/versioned-cache.js";
import type { ProjectsService } from "../projects/service.js";
import { toTask } from "./model.js";
import { doneStatuses } from "./rules.js";
import type { Board as BoardSchema, BoardQuery, MyTasksQuery, Summary as SummarySchema, TaskListQuery, TaskSort } from "./schemas.js";
import { likePatterns, queryTokens } from "./search.js";
import { taskViewsRepo, type TaskFilters } from "./views.repository.js";

export type TaskListInput = Static<typeof TaskListQuery>;
export type BoardInput = Static<typeof BoardQuery>;
export type MyTasksInput = Static<typeof MyTasksQuery>;

const BOARD_COLUMN_SIZE = 50;
const BOARD_TTL_SECONDS = 120;
const SUMMARY_TTL_SECONDS = 300;

type Board = Static<typeof BoardSchema>;
type Summary = Static<typeof SummarySchema>;

/** A board under its project's settings (workflow) and tasks, one entry per filter set. */
function boardEntry(projectId: string, q: BoardInput) {
  const filters = JSON.stringify([q.status, q.assigneeId, q.label, q.parentId, q.dueBefore]);
  const id = createHash("sha1").update(filters).digest("base64url").slice(0, 16);
  return cacheEntry<Board>("board", `board:${projectId}:${id}`, [generation.access(projectId), generation.tasks(projectId)], BOARD_TTL_SECONDS);
}

/** Per day: overdue and due-this-week depend on the date. */
const summaryEntry = (projectId: string, orgId: string, today: string) =>
  cacheEntry<Summary>("summary", `summary:${projectId}:${today}`, [generation.org(orgId), generation.access(projectId), generation.tasks(projectId)], SUMMARY_TTL_SECONDS);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const isDate = (v: unknown): v is string => typeof v === "string" && DATE_RE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

const badCursor = () => invalid("query.cursor", "is not a cursor of this list and sort order");

/** Checks a cursor's sort key has the shape its sort order needs, so no cursor can make a query fail. */
function cursorKey(sort: TaskSort, key: unknown): string | number {
  switch (sort) {
    case "created":
    case "-created":
    case "updated":
      if (typeof key === "number" && Number.isSafeInteger(key) && key >= 0) return key;
      break;
    case "due":
      if (isDate(key)) return key;
      break;
    case "priority":
      if (typeof key === "number" && Number.isInteger(key) && key >= 0 && key <= 4) return key;
      break;
  }
  throw badCursor();
}

function filtersOf(q: BoardInput): TaskFilters {
  return {
    ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.assigneeId !== undefined ? { assigneeId: q.assigneeId } : {}),
    ...(q.label !== undefined ? { label: q.label.trim() } : {}),
    ...(q.parentId !== undefined ? { parentId: q.parentId } : {}),
    ...(q.q !== undefined ? { tokens: queryTokens(q.q), patterns: likePatterns(q.q) } : {}),
    ...(q.dueBefore !== undefined ? { dueBefore: q.dueBefore } : {}),
  };
}

/** Today and the Sunday ending this ISO week, as UTC dates. */
export function thisWeek(now = new Date()): { today: string; weekEnd: string } {
  const today = now.toISOString().slice(0, 10);
  const isoDay = now.getUTCDay() === 0 ? 7 : now.getUTCDay();
  const weekEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 7 - isoDay)).toISOString().slice(0, 10);
  return { today, weekEnd };
}

/** Read models of tasks: filtered lists, the board, a project's summary and "my tasks". */
export class TaskViews {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
  ) {}

  async list(actor: Actor, projectId: string, q: TaskListInput) {
    const { project } = await this.projects.access(actor, projectId);
    const sort = q.sort ?? "created";
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 3);
    if (c && (c[0] !== sort || typeof c[2] !== "string" || !isUuid(c[2]))) throw badCursor();
    const after = c ? { key: cursorKey(sort, c[1]), id: c[2] as string } : undefined;
    const rows = await taskViewsRepo.page(this.p.db.readFor(actor), project.id, filtersOf(q), sort, after, limit + 1);
    return pageOf(rows, limit, (r) => [sort, r.sort_key, r.id], toTask);
  }

  /** Cached per filter set, except text searches (too varied to be worth keeping). */
  async board(actor: Actor, projectId: string, q: BoardInput) {
    const entry = q.q === undefined ? boardEntry(projectId, q) : undefined;
    const { project, cached } = await this.projects.access(actor, projectId, "project.read", entry ? [entry] : []);
    const hit = entry && cached.get(entry);
    if (hit) return hit;
    // Stored values come from the primary: a lagging replica's answer would be kept as current.
    const db = entry && cached.canStore(entry) ? this.p.db : this.p.db.readFor(actor);
    const statuses = project.workflow.statuses;
    const f = filtersOf(q);
    const [totals, heads] = await Promise.all([
      taskViewsRepo.columnTotals(db, project.id, f),
      taskViewsRepo.columnHeads(db, project.id, f, statuses.map((s) => s.key), BOARD_COLUMN_SIZE),
    ]);
    const board: Board = {
      columns: statuses.map((s) => ({
        status: s.key,
        name: s.name,
        category: s.category,
        total: totals.get(s.key) ?? 0,
        tasks: heads.filter((t) => t.status === s.key).map(toTask),
      })),
    };
    if (entry) cached.put(entry, board);
    return board;
  }

  async summary(actor: Actor, projectId: string) {
    const { today, weekEnd } = thisWeek();
    // Member counts also change when someone leaves the org: the org's generation is known once
    // this process has seen the project; until then the summary is not cached.
    const orgId = this.projects.knownOrgOf(projectId);
    const entry = orgId === undefined ? undefined : summaryEntry(projectId, orgId, today);
    const { project, cached } = await this.projects.access(actor, projectId, "project.read", entry ? [entry] : []);
    const hit = entry && cached.get(entry);
    if (hit) return hit;
    const db = entry && cached.canStore(entry) ? this.p.db : this.p.db.readFor(actor);
    const [rows, memberCount] = await Promise.all([
      taskViewsRepo.summary(db, project.id, doneStatuses(project.workflow), today, weekEnd),
      this.projects.memberCount(project.id, db),
    ]);
    const counts: Record<string, number> = Object.fromEntries(project.workflow.statuses.map((s) => [s.key, 0]));
    let overdue = 0;
    let dueThisWeek = 0;
    let weighted = 0;
    let weight = 0;
    let progressSum = 0;
    let topLevel = 0;
    for (const r of rows) {
      counts[r.status] = r.n;
      overdue += r.overdue;
      dueThisWeek += r.due_this_week;
      weighted += r.weighted;
      weight += r.weight;
      progressSum += r.progress_sum;
      topLevel += r.top_level;
    }
    // Weighted by estimate like a parent's roll-up; all-zero estimates fall back to the average.
    const progress = weight > 0 ? Math.round(weighted / weight) : topLevel > 0 ? Math.round(progressSum / topLevel) : 0;
    const summary: Summary = { counts, progress, overdue, dueThisWeek, memberCount };
    if (entry) cached.put(entry, summary);
    return summary;
  }

  async mine(actor: Actor, q: MyTasksInput) {
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 2);
    if (c && (!isDate(c[0]) || typeof c[1] !== "string" || !isUuid(c[1]))) throw badCursor();
    const after = c ? { key: c[0] as string, id: c[1] as string } : undefined;
    const open = q.status === "open";
    const rows = await taskViewsRepo.assignedTo(
      this.p.db.readFor(actor),
      actor.userId,
      { openOnly: open, ...(q.status !== undefined && !open ? { status: q.status } : {}), ...(q.dueBefore !== undefined ? { dueBefore: q.dueBefore } : {}) },
      after,
      limit + 1,
    );
    return pageOf(rows, limit, (r) => [r.sort_key, r.id], toTask);
  }
}
