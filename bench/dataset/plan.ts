import type { OrgRole } from "../../src/modules/orgs/policy.js";
import type { ProjectRole } from "../../src/modules/projects/policy.js";
import { evenSplit, rng, skewedSplit, stableUuid } from "./random.js";
import { personName, projectIdentity } from "./text.js";
import type { Tier } from "./tiers.js";

// The shape of the dataset that fits in memory even for the large tier (20k
// users, 500 projects): who exists, who belongs where, how many tasks each
// project gets. Tasks and comments are streamed from this plan (rows.ts).

export interface PlanOrg {
  index: number;
  id: string;
  name: string;
  slug: string;
  ownerIndex: number;
  userIndexes: number[];
  projectIndexes: number[];
  departmentIds: string[];
}

export interface PlanUser {
  index: number;
  id: string;
  orgIndex: number;
  email: string;
  name: string;
  role: OrgRole;
  locale: "zh-CN" | "en";
  managerIndex: number | null;
  departmentIndex: number;
  /** Projects this user works in (explicit project_members rows). */
  projects: number[];
}

export interface PlanProject {
  index: number;
  id: string;
  orgIndex: number;
  key: string;
  name: string;
  taskCount: number;
  commentCount: number;
  createdBy: number;
  /** user index -> explicit project role */
  team: Map<number, ProjectRole>;
  /** Team members who may be assigned work (not viewers), most active first. */
  workers: number[];
}

export interface Plan {
  seed: string;
  tier: Tier;
  /** Midnight UTC of the day the dataset is anchored to; dates are relative to it. */
  anchor: Date;
  orgs: PlanOrg[];
  users: PlanUser[];
  projects: PlanProject[];
}

export const taskId = (seed: string, projectIndex: number, number: number): string => stableUuid(seed, "task", `${projectIndex}:${number}`);

/** Guests and viewers only read; everyone else reads and writes in their projects. */
export const BENCH_PASSWORD = "bench-password-1";

export function makePlan(tier: Tier, seed: string, anchor: Date): Plan {
  const r = rng(`${seed}/plan`);
  const usersPerOrg = evenSplit(tier.users, tier.orgs);
  const projectsPerOrg = evenSplit(tier.projects, tier.orgs);
  const tasksPerOrg = evenSplit(tier.tasks, tier.orgs);
  const orgs: PlanOrg[] = [];
  const users: PlanUser[] = [];
  const projects: PlanProject[] = [];

  for (let o = 0; o < tier.orgs; o++) {
    const orgUsers = usersPerOrg[o]!;
    const deptCount = Math.max(1, Math.min(40, Math.floor(orgUsers / 25)));
    const org: PlanOrg = {
      index: o,
      id: stableUuid(seed, "org", o),
      name: o === 0 ? "星河科技" : `Bench Org ${o + 1}`,
      slug: `bench-${seed.replace(/[^a-z0-9]/gi, "").toLowerCase().slice(0, 20) || "seed"}-${o + 1}`,
      ownerIndex: users.length,
      userIndexes: [],
      projectIndexes: [],
      departmentIds: Array.from({ length: deptCount }, (_, d) => stableUuid(seed, "dept", `${o}:${d}`)),
    };
    const first = users.length;
    // Managers are drawn from the first ~10% of the org, so reporting lines form a shallow tree.
    const managerPool = Math.max(1, Math.floor(orgUsers / 10));
    for (let i = 0; i < orgUsers; i++) {
      const index = users.length;
      const role: OrgRole = i === 0 ? "owner" : i <= Math.max(1, Math.floor(orgUsers / 50)) ? "admin" : r.chance(0.08) ? "guest" : "member";
      users.push({
        index,
        id: stableUuid(seed, "user", index),
        orgIndex: o,
        email: `user${index + 1}@${org.slug}.bench.plinth.test`,
        name: personName(r),
        role,
        locale: r.chance(0.7) ? "zh-CN" : "en",
        managerIndex: i === 0 ? null : first + (i < managerPool ? 0 : r.int(0, managerPool - 1)),
        departmentIndex: i % deptCount,
        projects: [],
      });
      org.userIndexes.push(index);
    }
    orgs.push(org);

    const orgProjects = projectsPerOrg[o]!;
    const sizes = skewedSplit(tasksPerOrg[o]!, orgProjects, 1.0, 5);
    const staff = org.userIndexes.filter((u) => users[u]!.role !== "guest");
    const guests = org.userIndexes.filter((u) => users[u]!.role === "guest");
    for (let p = 0; p < orgProjects; p++) {
      const index = projects.length;
      const { key, name } = projectIdentity(r, p);
      const taskCount = sizes[p]!;
      // Bigger projects have bigger teams; every team has one manager.
      const teamSize = Math.min(staff.length, Math.max(2, Math.round(3 + Math.sqrt(taskCount) / 2)));
      const team = new Map<number, ProjectRole>();
      const manager = staff[r.int(0, staff.length - 1)]!;
      team.set(manager, "manager");
      while (team.size < teamSize) team.set(staff[r.int(0, staff.length - 1)]!, r.chance(0.9) ? "member" : "viewer");
      // A few guests (contractors, clients) join some projects.
      for (const g of guests) if (r.chance(Math.min(0.5, 2 / Math.max(1, orgProjects)))) team.set(g, r.chance(0.5) ? "member" : "viewer");
      const workers = [...team].filter(([, role]) => role !== "viewer").map(([u]) => u);
      projects.push({
        index,
        id: stableUuid(seed, "project", index),
        orgIndex: o,
        key,
        name,
        taskCount,
        commentCount: 0,
        createdBy: manager,
        team,
        workers,
      });
      org.projectIndexes.push(index);
      for (const u of team.keys()) users[u]!.projects.push(index);
    }
    // Every guest sees at least one project, or it could not do anything in the run.
    for (const g of guests) {
      if (users[g]!.projects.length > 0) continue;
      const p = projects[org.projectIndexes[r.int(0, org.projectIndexes.length - 1)]!]!;
      p.team.set(g, "viewer");
      users[g]!.projects.push(p.index);
    }
  }

  // Comments follow tasks: a project's share of comments is its share of tasks.
  const commentShares = projects.map((p) => Math.floor((tier.comments * p.taskCount) / Math.max(1, tier.tasks)));
  commentShares[0]! += tier.comments - commentShares.reduce((s, x) => s + x, 0);
  projects.forEach((p, i) => (p.commentCount = commentShares[i]!));

  return { seed, tier, anchor, orgs, users, projects };
}

/** Projects a user can see: all of its org's for staff, only explicit ones for guests. */
export function visibleProjects(plan: Plan, u: PlanUser): number[] {
  return u.role === "guest" ? u.projects : plan.orgs[u.orgIndex]!.projectIndexes;
}

/** Whether the user may write tasks in the project (effective project role member or manager). */
export function canWrite(plan: Plan, u: PlanUser, projectIndex: number): boolean {
  if (u.role === "owner" || u.role === "admin") return true;
  const explicit = plan.projects[projectIndex]!.team.get(u.index);
  if (explicit) return explicit !== "viewer";
  return u.role === "member";
}
