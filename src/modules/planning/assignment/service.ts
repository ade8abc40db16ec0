import type { Actor } from "../../../platform/actor.js";
import type { Queryable, Tx } from "../../../platform/db/index.js";
import { forbidden, notFound } from "../../../platform/errors.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import { appendAudit } from "../../audit/repository.js";
import { atLeast } from "../../orgs/policy.js";
import { membersRepo } from "../../orgs/repository.js";
import type { OrgsService } from "../../orgs/service.js";
import { effectiveProjectRole, projectCan } from "../../projects/policy.js";
import type { ProjectsService } from "../../projects/service.js";
import type { TaskJournal } from "../../tasks/journal.js";
import { tasksRepo, type TaskRow } from "../../tasks/repository.js";
import { addDays } from "../calendar/workdays.js";
import { weeksCovering } from "../workload/allocate.js";
import { MAX_WEEKS, type WorkloadService } from "../workload/service.js";
import { pickAssignee, type AssignmentStrategy, type Candidate } from "./pick.js";
import { assignmentRepo, type CandidateRow } from "./repository.js";

// Without a due date, "the task's window" is the next two weeks from its start (or today).
const DEFAULT_WINDOW_DAYS = 13;

/**
 * Automatic assignment per project: a new task created without an assignee goes
 * to the least-loaded eligible member (able to work in the project, skills
 * matching its labels) or to the next one in turn. The choice and its reason are
 * recorded in the task's activity, in the creating transaction.
 */
export class AssignmentService {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
    private readonly projects: ProjectsService,
    private readonly workload: WorkloadService,
  ) {}

  async settings(actor: Actor, projectId: string): Promise<{ strategy: AssignmentStrategy }> {
    const { project } = await this.projects.access(actor, projectId);
    return { strategy: (await assignmentRepo.settings(this.p.db.readFor(actor), project.id)).assignment };
  }

  async setStrategy(actor: Actor, projectId: string, strategy: AssignmentStrategy): Promise<{ strategy: AssignmentStrategy }> {
    const { project } = await this.projects.access(actor, projectId, "project.update");
    return this.p.db.tx(async (tx) => {
      const before = (await assignmentRepo.settings(tx, project.id)).assignment;
      await assignmentRepo.setStrategy(tx, project.id, project.org_id, strategy);
      await appendAudit(tx, actor, { orgId: project.org_id, action: "project.assignment.update", targetType: "project", targetId: project.id, changes: { strategy: { from: before, to: strategy } } });
      await emitEvents(tx, actor.userId, [{ type: "project.assignment.updated", orgId: project.org_id, projectId: project.id, data: { strategy } }]);
      return { strategy };
    });
  }

  async skills(actor: Actor, orgId: string, userId: string) {
    await this.orgs.authorize(actor, orgId, "members.read");
    if (!(await membersRepo.roleOf(this.p.db.readFor(actor), orgId, userId))) throw notFound("Member");
    return { userId, skills: await assignmentRepo.skills(this.p.db.readFor(actor), orgId, userId) };
  }

  /** People keep their own skills; admins anyone's. */
  async setSkills(actor: Actor, orgId: string, userId: string, skills: string[]) {
    const role = await this.orgs.authorize(actor, orgId, "org.read");
    if (userId !== actor.userId && !atLeast(role, "admin")) throw forbidden("Only admins can set someone else's skills");
    const clean = [...new Set(skills.map((s) => s.trim()).filter((s) => s.length > 0))];
    return this.p.db.tx(async (tx) => {
      if (!(await membersRepo.roleOf(tx, orgId, userId))) throw notFound("Member");
      await assignmentRepo.setSkills(tx, orgId, userId, clean);
      await appendAudit(tx, actor, { orgId, action: "member.skills.update", targetType: "user", targetId: userId, changes: { skills: clean } });
      await emitEvents(tx, actor.userId, [{ type: "member.updated", orgId, data: { userId, changes: { skills: clean } } }]);
      return { userId, skills: clean };
    });
  }

  /** In the creating transaction: the task as assigned, or undefined when the project does not assign. */
  async assign(tx: Tx, journal: TaskJournal, task: TaskRow): Promise<TaskRow | undefined> {
    const settings = await assignmentRepo.settings(tx, task.project_id);
    if (settings.assignment === "off") return undefined;
    const eligible = await eligibleMembers(tx, task.org_id, task.project_id);
    const candidates: Candidate[] = eligible.map((m) => ({ userId: m.user_id, name: m.name, skills: m.skills, allocatedHours: 0, capacityHours: 0 }));
    let window: { from: string; to: string } | undefined;
    if (settings.assignment === "least_loaded" && candidates.length > 0) {
      window = windowOf(task);
      const weeks = weeksCovering(window.from, window.to).slice(0, MAX_WEEKS);
      const { loads } = await this.workload.loads(tx, task.org_id, weeks);
      const byUser = new Map(loads.map((l) => [l.userId, l.weeks]));
      for (const c of candidates) {
        const weeksOfUser = byUser.get(c.userId) ?? [];
        c.allocatedHours = Math.round(weeksOfUser.reduce((s, w) => s + w.totalAllocatedHours, 0) * 100) / 100;
        c.capacityHours = Math.round(weeksOfUser.reduce((s, w) => s + w.capacityHours, 0) * 100) / 100;
      }
    }
    const choice = pickAssignee(settings.assignment, candidates, task.labels, settings.last_assignee_id);
    if (!choice) {
      journal.record(task.id, "auto_assignment_skipped", { strategy: settings.assignment, reason: "no member can work on tasks in this project" });
      return undefined;
    }
    const row = await tasksRepo.setAssignee(tx, task.id, choice.userId);
    if (!row) return undefined;
    await assignmentRepo.setLastAssignee(tx, task.project_id, choice.userId);
    journal.record(task.id, "auto_assigned", { assigneeId: { from: null, to: choice.userId }, ...choice.reason, ...(window ? { window } : {}) });
    return row;
  }
}

/** Members who can work on tasks in the project (its roles, as the project policy reads them), with their skills. */
export async function eligibleMembers(q: Queryable, orgId: string, projectId: string): Promise<CandidateRow[]> {
  return (await assignmentRepo.candidates(q, orgId, projectId)).filter((m) => {
    const role = effectiveProjectRole(m.org_role, m.project_role ?? undefined);
    return role !== undefined && projectCan(role, "tasks.write");
  });
}

function windowOf(task: TaskRow): { from: string; to: string } {
  const from = task.start_date ?? (task.due_date !== null && task.due_date < today() ? task.due_date : today());
  const to = task.due_date ?? addDays(from, DEFAULT_WINDOW_DAYS);
  return to < from ? { from: to, to: from } : { from, to };
}

const today = () => new Date().toISOString().slice(0, 10);
