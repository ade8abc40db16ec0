import type { Action, BenchRequest } from "./driver.js";
import { taskId } from "./dataset/plan.js";
import { rng, type Rng } from "./dataset/random.js";
import { commentBody, LABELS, SEARCH_TERMS, taskLabels, taskTitle } from "./dataset/text.js";
import type { Workload } from "./workload.js";

// The request mix of shared/BENCH.md. Each action names the routes it needs;
// an action whose routes are not in /openapi.json yet is reported as
// "n/a (not built yet)" and its share goes to the others, never faked.

export interface ActionSpec {
  name: string;
  label: string;
  share: number;
  kind: "read" | "write";
  /** "METHOD /path/{}" as in the OpenAPI document (parameter names ignored). */
  routes: string[];
  /** Which later issue builds it, for the n/a line. */
  issue?: number;
  /** Why it cannot run even though its routes exist (data this dataset does not have); undefined when it can. */
  blockedBy?: (w: Workload) => string | undefined;
  /** 4xx answers that are correct for this action (other virtual users can get there first); counted as "4xx ok". */
  expected?: readonly number[];
  /** The requests of one action; undefined when the dataset has nothing left for it (another action is drawn). */
  build?: (w: Workload, r: Rng) => BenchRequest[] | undefined;
}

const STATUSES = ["todo", "in_progress", "in_review", "done"] as const;
const PRIORITIES = ["urgent", "high", "medium", "low", "none"] as const;

const get = (path: string, token: string): BenchRequest => ({ method: "GET", path, token });
const enc = encodeURIComponent;

function listQuery(w: Workload, r: Rng, projectIndex: number): string {
  switch (r.int(0, 7)) {
    case 0:
      return "";
    case 1:
      return `?status=${r.pick(STATUSES)}`;
    case 2:
      return `?assigneeId=${w.worker(r, projectIndex)?.id ?? w.plan.users[0]!.id}`;
    case 3:
      return `?label=${enc(r.pick(LABELS))}`;
    case 4:
    case 5:
      return `?q=${enc(r.pick(SEARCH_TERMS))}`;
    case 6:
      return `?status=todo&sort=due`;
    default:
      return `?dueBefore=${w.date(7)}&sort=-created&limit=20`;
  }
}

export const MIX: ActionSpec[] = [
  {
    name: "view_task",
    label: "view a task (task + comments + activity)",
    share: 31,
    kind: "read",
    routes: ["GET /api/v1/tasks/{}", "GET /api/v1/tasks/{}/comments", "GET /api/v1/tasks/{}/activity"],
    build: (w, r) => {
      const u = w.user(r);
      const t = w.task(r, w.project(r, u));
      const ref = r.chance(0.3) ? t.key : t.id;
      const tok = w.token(u);
      return [get(`/api/v1/tasks/${ref}`, tok), get(`/api/v1/tasks/${ref}/comments`, tok), get(`/api/v1/tasks/${ref}/activity`, tok)];
    },
  },
  {
    name: "board",
    label: "board view of a project",
    share: 18,
    kind: "read",
    routes: ["GET /api/v1/projects/{}/board"],
    build: (w, r) => {
      const u = w.user(r);
      const p = w.project(r, u);
      const filter = r.chance(0.15) ? `?assigneeId=${u.id}` : "";
      return [get(`/api/v1/projects/${w.plan.projects[p]!.id}/board${filter}`, w.token(u))];
    },
  },
  {
    name: "list_search",
    label: "list / filter / text-search tasks",
    share: 11,
    kind: "read",
    routes: ["GET /api/v1/projects/{}/tasks"],
    build: (w, r) => {
      const u = w.user(r);
      const p = w.project(r, u);
      return [get(`/api/v1/projects/${w.plan.projects[p]!.id}/tasks${listQuery(w, r, p)}`, w.token(u))];
    },
  },
  {
    name: "my_work",
    label: "my work (/me/tasks?status=open)",
    share: 8,
    kind: "read",
    routes: ["GET /api/v1/me/tasks"],
    build: (w, r) => {
      const writer = r.pick(w.writers);
      return [get("/api/v1/me/tasks?status=open", w.token(writer.user))];
    },
  },
  {
    name: "browse_projects",
    label: "browse projects",
    share: 7,
    kind: "read",
    routes: ["GET /api/v1/orgs/{}/projects"],
    build: (w, r) => {
      const u = w.user(r);
      return [get(`/api/v1/orgs/${w.plan.orgs[u.orgIndex]!.id}/projects`, w.token(u))];
    },
  },
  {
    name: "summary",
    label: "project summary",
    share: 3,
    kind: "read",
    routes: ["GET /api/v1/projects/{}/summary"],
    build: (w, r) => {
      const u = w.user(r);
      return [get(`/api/v1/projects/${w.plan.projects[w.project(r, u)]!.id}/summary`, w.token(u))];
    },
  },
  {
    name: "notifications",
    label: "notifications list / unread count",
    share: 4,
    kind: "read",
    issue: 5,
    routes: ["GET /api/v1/me/notifications", "GET /api/v1/me/notifications/unread-count"],
    build: (w, r) => {
      const u = w.user(r);
      return [get(r.chance(0.5) ? "/api/v1/me/notifications?unread=true" : "/api/v1/me/notifications/unread-count", w.token(u))];
    },
  },
  {
    name: "approval_inbox",
    label: "approval inbox",
    share: 2,
    kind: "read",
    issue: 4,
    routes: ["GET /api/v1/me/approvals"],
    // Half by people who have approvals waiting (they look more often), half by anyone.
    build: (w, r) => {
      const u = w.approvers.length > 0 && r.chance(0.5) ? w.plan.users[r.pick(w.approvers)]! : w.user(r);
      return [get("/api/v1/me/approvals?box=pending", w.token(u))];
    },
  },
  {
    name: "update_task",
    label: "update or transition a task",
    share: 5,
    kind: "write",
    // No If-Match and the default workflow (no guarded transitions): every answer must be 2xx.
    routes: ["PATCH /api/v1/tasks/{}"],
    build: (w, r) => {
      const { user, projects } = r.pick(w.writers);
      const p = r.pick(projects);
      const t = w.task(r, p);
      // A third of the transitions are board drag-and-drops, placed after another card.
      if (r.chance(0.15) && w.routes.has("POST /api/v1/tasks/{}/move")) {
        const after = w.task(r, p);
        const body = { status: r.pick(STATUSES), ...(after.id !== t.id ? { afterId: after.id } : {}) };
        return [{ method: "POST", path: `/api/v1/tasks/${t.id}/move`, token: w.token(user), body }];
      }
      const roll = r.next();
      const body =
        roll < 0.35
          ? { status: r.pick(STATUSES) }
          : roll < 0.6
            ? { priority: r.pick(PRIORITIES) }
            : roll < 0.78
              ? { assigneeId: w.worker(r, p)?.id ?? null }
              : roll < 0.9
                ? // Generated start dates are at most 3 days past the anchor; a due date must not precede them.
                  { dueDate: w.date(r.int(4, 40)) }
                : { title: taskTitle(r) };
      return [{ method: "PATCH", path: `/api/v1/tasks/${t.id}`, token: w.token(user), body }];
    },
  },
  {
    name: "create_task",
    label: "create a task",
    share: 4,
    kind: "write",
    routes: ["POST /api/v1/projects/{}/tasks"],
    build: (w, r) => {
      const { user, projects } = r.pick(w.writers);
      const p = r.pick(projects);
      const assignee = r.chance(0.7) ? w.worker(r, p) : undefined;
      const body = {
        title: taskTitle(r),
        priority: r.pick(PRIORITIES),
        labels: taskLabels(r),
        ...(assignee ? { assigneeId: assignee.id } : {}),
        ...(r.chance(0.5) ? { dueDate: w.date(r.int(1, 30)) } : {}),
        ...(r.chance(0.3) ? { description: "Created by the benchmark / 基准测试创建" } : {}),
      };
      return [{ method: "POST", path: `/api/v1/projects/${w.plan.projects[p]!.id}/tasks`, token: w.token(user), body }];
    },
  },
  {
    name: "comment",
    label: "comment on a task",
    share: 3,
    kind: "write",
    routes: ["POST /api/v1/tasks/{}/comments"],
    build: (w, r) => {
      const { user, projects } = r.pick(w.writers);
      const p = r.pick(projects);
      const mention = r.chance(0.1) ? w.worker(r, p) : undefined;
      const body = commentBody(r, user.locale === "zh-CN", mention?.email);
      return [{ method: "POST", path: `/api/v1/tasks/${w.task(r, p).id}/comments`, token: w.token(user), body: { body } }];
    },
  },
  {
    name: "mark_read",
    label: "mark notifications read",
    share: 2,
    kind: "write",
    issue: 5,
    routes: ["POST /api/v1/me/notifications/read"],
    // Opening one unread notification (70%) or "mark all read", by someone who has unread ones.
    build: (w, r) => {
      const all = r.chance(0.3);
      const taken = w.takeUnread(r, all);
      const user = taken?.user ?? w.user(r);
      const body = all || !taken ? { all: true } : { ids: taken.ids };
      return [{ method: "POST", path: "/api/v1/me/notifications/read", token: w.token(user), body }];
    },
  },
  {
    name: "approve_reject",
    label: "approve or reject",
    share: 2,
    kind: "write",
    issue: 4,
    routes: ["POST /api/v1/approvals/{}/actions"],
    // An or-sign node's other approver, or a countersign someone rejected, may have closed the task first.
    expected: [409],
    blockedBy: (w) => (w.pendingApprovals.length > 0 ? undefined : "the dataset has no pending approval tasks"),
    // The approver of the next open task decides it: approve mostly, reject sometimes.
    build: (w, r) => {
      const d = w.pendingApprovals.shift();
      if (!d) return undefined;
      const reject = r.chance(0.15);
      const body = { action: reject ? "reject" : "approve", taskId: d.taskId, comment: reject ? "请补充说明 / Please add details" : "同意 / Approved" };
      return [{ method: "POST", path: `/api/v1/approvals/${d.instanceId}/actions`, token: w.tokens[d.approver]!, body }];
    },
  },
];

export interface ResolvedAction extends ActionSpec {
  available: boolean;
  /** n/a reason when not available */
  reason?: string;
  /** Share after redistributing the unavailable actions' shares (0 when n/a). */
  effectiveShare: number;
}

/** Marks each action available or not from the routes the server documents and the data the workload has. */
export function resolveMix(routes: Set<string>, specs: ActionSpec[] = MIX, w?: Workload): ResolvedAction[] {
  const resolved = specs.map((s): ResolvedAction => {
    const missing = s.routes.filter((x) => !routes.has(x));
    if (missing.length > 0) {
      return { ...s, available: false, reason: `n/a (not built yet${s.issue ? `: issue ${s.issue}` : ""})`, effectiveShare: 0 };
    }
    const blocked = w && s.blockedBy?.(w);
    if (blocked || !s.build) return { ...s, available: false, reason: `n/a (${blocked || "no request builder"})`, effectiveShare: 0 };
    return { ...s, available: true, effectiveShare: 0 };
  });
  const total = resolved.filter((a) => a.available).reduce((sum, a) => sum + a.share, 0);
  for (const a of resolved) if (a.available) a.effectiveShare = (a.share / total) * 100;
  return resolved;
}

/** "GET /api/v1/tasks/{}" for every operation in an OpenAPI document. */
export function routesOf(openapi: { paths?: Record<string, Record<string, unknown>> }): Set<string> {
  const out = new Set<string>();
  for (const [path, ops] of Object.entries(openapi.paths ?? {})) {
    const norm = path.replace(/\{[^}]+\}/g, "{}");
    for (const method of Object.keys(ops)) out.add(`${method.toUpperCase()} ${norm}`);
  }
  return out;
}

/**
 * A picker of the next action per virtual user, weighted by effective share. An
 * action with nothing left to do (every pending approval decided) is counted in
 * w.ranOut and another one is drawn; undefined (the user stops) only when none can run.
 */
export function mixPicker(w: Workload, actions: ResolvedAction[], seed: string, connections: number): (vu: number) => Action | undefined {
  const live = actions.filter((a) => a.available && a.build);
  if (live.length === 0) throw new Error("no action of the mix is available on this server");
  const weights = live.map((a) => [a, a.effectiveShare] as const);
  const rngs = Array.from({ length: connections }, (_, i) => rng(`${seed}/vu/${i}`));
  return (vu) => {
    const r = rngs[vu]!;
    for (let draw = 0; draw < 100; draw++) {
      const a = r.weighted(weights);
      const requests = a.build!(w, r);
      if (requests) return { name: a.name, ...(a.expected ? { expected: a.expected } : {}), requests: () => requests };
      w.ranOut.set(a.name, (w.ranOut.get(a.name) ?? 0) + 1);
    }
    return undefined;
  };
}

/** The cached "view a task" path: GET one task, from a hot set of popular tasks, by many users. */
export function hotViewPicker(w: Workload, seed: string, connections: number): (vu: number) => Action {
  const org = w.plan.orgs[0]!;
  const staff = org.userIndexes.map((i) => w.plan.users[i]!).filter((u) => u.role !== "guest");
  const hot: string[] = [];
  for (const p of org.projectIndexes.slice(0, 5)) {
    const proj = w.plan.projects[p]!;
    for (let n = proj.taskCount; n > Math.max(0, proj.taskCount - 20); n--) hot.push(taskId(w.plan.seed, p, n));
  }
  const rngs = Array.from({ length: connections }, (_, i) => rng(`${seed}/hot/${i}`));
  return (vu) => {
    const r = rngs[vu]!;
    return { name: "view_task_hot", requests: () => [get(`/api/v1/tasks/${r.pick(hot)}`, w.token(r.pick(staff)))] };
  };
}
