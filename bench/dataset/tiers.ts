// Dataset sizes from shared/BENCH.md, plus `tiny` for the harness's own smoke test.
// `approvals` is the number of approval instances of the history (tier-approvals.ts).

export interface Tier {
  name: TierName;
  orgs: number;
  users: number;
  projects: number;
  tasks: number;
  comments: number;
  approvals: number;
}

export const TIERS = {
  tiny: { name: "tiny", orgs: 1, users: 12, projects: 3, tasks: 300, comments: 400, approvals: 10 },
  small: { name: "small", orgs: 1, users: 200, projects: 20, tasks: 10_000, comments: 20_000, approvals: 500 },
  medium: { name: "medium", orgs: 2, users: 2_000, projects: 200, tasks: 100_000, comments: 300_000, approvals: 5_000 },
  large: { name: "large", orgs: 5, users: 20_000, projects: 500, tasks: 1_000_000, comments: 3_000_000, approvals: 50_000 },
} as const satisfies Record<string, Tier>;

export type TierName = "tiny" | "small" | "medium" | "large";

export const TIER_NAMES = Object.keys(TIERS) as TierName[];

export const isTierName = (s: string): s is TierName => (TIER_NAMES as string[]).includes(s);

// The planning scenario (issue 6) has sizes of its own: one org, one big project.
export interface PlanningSize {
  name: "full" | "tiny";
  users: number;
  tasks: number;
  dependencies: number;
  weeks: number;
}

export const PLANNING_SIZES: Record<PlanningSize["name"], PlanningSize> = {
  // Issue 6: a 5,000-task project with 10,000 dependencies; 2,000 users over 12 weeks.
  full: { name: "full", users: 2000, tasks: 5000, dependencies: 10_000, weeks: 12 },
  // The harness's own smoke test.
  tiny: { name: "tiny", users: 20, tasks: 200, dependencies: 400, weeks: 12 },
};

export const isPlanningSize = (s: string): s is PlanningSize["name"] => s in PLANNING_SIZES;
