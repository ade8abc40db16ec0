import { isUuid } from "../../../platform/ids.js";
import type { OrgRole } from "../../orgs/policy.js";
import type { ApproverRule, FlowSettings } from "./definition.js";

// Approver resolution: rules -> users -> slots. The org directory is injected, so
// this runs against the database inside a transaction or against a map in a test.

export interface Directory {
  isMember(userId: string): Promise<boolean>;
  managerOf(userId: string): Promise<string | null>;
  /** Head of the user's department, walking up parent departments that have none. */
  departmentHeadFor(userId: string): Promise<string | null>;
  membersWithRole(role: OrgRole): Promise<string[]>;
  /** Owners and admins, oldest membership first. */
  admins(): Promise<string[]>;
  projectManagers(projectId: string): Promise<string[]>;
  /** Active delegations at `at`: approver -> delegate (delegates who left are ignored). */
  delegatesOf(userIds: readonly string[], at: string): Promise<Map<string, string>>;
}

export interface ResolveContext {
  nodeId: string;
  initiatorId: string;
  form: Record<string, unknown>;
  picked: Record<string, string[]>;
  subjectProjectId: string | null;
}

const MAX_CHAIN = 100;
/** A form field may name at most this many approvers. */
const MAX_FIELD_USERS = 50;

/** The manager `level` steps up; stops at the top of the chain and never loops. */
export async function managerAt(dir: Directory, userId: string, level: number): Promise<string | null> {
  const seen = new Set([userId]);
  let current: string | null = null;
  let cursor = userId;
  for (let i = 0; i < Math.min(level, MAX_CHAIN); i++) {
    const up = await dir.managerOf(cursor);
    if (!up || seen.has(up)) break;
    seen.add(up);
    current = up;
    cursor = up;
  }
  return current;
}

async function usersOf(rule: ApproverRule, ctx: ResolveContext, dir: Directory): Promise<string[]> {
  switch (rule.type) {
    case "user":
      return (await dir.isMember(rule.userId)) ? [rule.userId] : [];
    case "role":
      return dir.membersWithRole(rule.role);
    case "manager": {
      const m = await managerAt(dir, ctx.initiatorId, rule.level ?? 1);
      return m ? [m] : [];
    }
    case "department_head": {
      const h = await dir.departmentHeadFor(ctx.initiatorId);
      return h ? [h] : [];
    }
    case "project_manager":
      return ctx.subjectProjectId ? dir.projectManagers(ctx.subjectProjectId) : [];
    case "initiator_pick":
      return ctx.picked[ctx.nodeId] ?? [];
    case "form_field": {
      const v = ctx.form[rule.field];
      const ids = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string" && isUuid(x)).slice(0, MAX_FIELD_USERS);
      const members: string[] = [];
      for (const id of ids) if (await dir.isMember(id)) members.push(id);
      return members;
    }
  }
}

/** Users named by the rules, in rule order; a user named twice counts once. */
export async function resolveRules(rules: readonly ApproverRule[], ctx: ResolveContext, dir: Directory): Promise<string[]> {
  const out: string[] = [];
  for (const rule of rules) {
    for (const u of await usersOf(rule, ctx, dir)) if (!out.includes(u)) out.push(u);
  }
  return out;
}

export type AutoReason = "self_approval" | "dedupe_consecutive" | "dedupe_once";

export interface PlannedSlot {
  /** The approver the rules named (after the self-approval rule). */
  approverId: string;
  /** Who holds the task: the approver, or their delegate. */
  assigneeId: string;
  onBehalfOf: string | null;
  auto: AutoReason | null;
}

export interface PlanContext {
  initiatorId: string;
  /** Who approved the immediately preceding approval node (for dedupe: consecutive). */
  previousApprovers: ReadonlySet<string>;
  /** Who approved anywhere in this attempt (for dedupe: once). */
  attemptApprovers: ReadonlySet<string>;
  now: string;
}

/** Applies selfApproval, dedupe and delegation to resolved approvers, in that order. */
export async function planSlots(resolved: readonly string[], settings: FlowSettings, ctx: PlanContext, dir: Directory): Promise<PlannedSlot[]> {
  const approvers: { id: string; auto: AutoReason | null }[] = [];
  const add = (id: string, auto: AutoReason | null) => {
    if (!approvers.some((a) => a.id === id)) approvers.push({ id, auto });
  };
  for (const id of resolved) {
    if (id !== ctx.initiatorId || settings.selfApproval === "self") add(id, null);
    else if (settings.selfApproval === "auto_pass") add(id, "self_approval");
    else {
      // selfApproval "manager": the initiator's manager takes the slot; without one, the slot is dropped.
      const m = await managerAt(dir, id, 1);
      if (m) add(m, null);
    }
  }
  for (const a of approvers) {
    if (a.auto) continue;
    if (settings.dedupe === "consecutive" && ctx.previousApprovers.has(a.id)) a.auto = "dedupe_consecutive";
    else if (settings.dedupe === "once" && ctx.attemptApprovers.has(a.id)) a.auto = "dedupe_once";
  }
  const humans = approvers.filter((a) => !a.auto).map((a) => a.id);
  const delegates = humans.length > 0 ? await dir.delegatesOf(humans, ctx.now) : new Map<string, string>();
  const taken = new Set(approvers.map((a) => a.id));
  return approvers.map((a) => {
    const d = a.auto ? undefined : delegates.get(a.id);
    // One hop only, and never onto someone who already holds a slot in this node.
    if (d && d !== a.id && !taken.has(d)) {
      taken.add(d);
      return { approverId: a.id, assigneeId: d, onBehalfOf: a.id, auto: null };
    }
    return { approverId: a.id, assigneeId: a.id, onBehalfOf: null, auto: a.auto };
  });
}
