import { createHash } from "node:crypto";
import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import type { Queryable } from "../../../platform/db/index.js";
import { DomainError, invalid } from "../../../platform/errors.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import type { ProjectRow } from "../../projects/repository.js";
import type { ProjectsService } from "../../projects/service.js";
import { TaskJournal } from "../../tasks/journal.js";
import { taskKey } from "../../tasks/model.js";
import { tasksRepo } from "../../tasks/repository.js";
import { eligibleMembers } from "../assignment/service.js";
import type { ScheduleService } from "../schedule/service.js";
import type { SchedulingService } from "../schedule/scheduling.js";
import { weeksCovering } from "../workload/allocate.js";
import { MAX_WEEKS, type WorkloadService } from "../workload/service.js";
import { planLevelling, type LevelChange, type LevelTask } from "./level.js";
import type { ApplyLevellingBody, LevellingQuery } from "./schemas.js";

export type LevellingInput = Static<typeof LevellingQuery>;
export type ApplyLevellingInput = Static<typeof ApplyLevellingBody>;

const basisOf = (changes: LevelChange[]) => createHash("sha256").update(JSON.stringify(changes)).digest("hex").slice(0, 32);

/** Proposes how to clear overallocation in a project's people's weeks, and applies a proposal in one transaction. */
export class LevellingService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly schedule: ScheduleService,
    private readonly workload: WorkloadService,
    private readonly scheduling: SchedulingService,
  ) {}

  async propose(actor: Actor, projectId: string, q: LevellingInput) {
    const { project } = await this.projects.access(actor, projectId);
    return this.compute(this.p.db.readFor(actor), project, q);
  }

  /** Applies the proposal named by `basis`, if the plan has not changed since it was made. */
  async apply(actor: Actor, projectId: string, input: ApplyLevellingInput) {
    const { project } = await this.projects.access(actor, projectId, "project.update");
    return this.p.db.tx(async (tx) => {
      // Rescheduling and dependency writes of the org wait: the proposal is checked and applied on a still plan.
      await this.scheduling.lock(tx, project.org_id);
      const proposal = await this.compute(tx, project, input);
      if (proposal.basis !== input.basis) {
        throw new DomainError("conflict", "The plan changed since this proposal was made; ask for a new one and review it");
      }
      const journal = new TaskJournal(actor, project);
      for (const change of proposal.changes) {
        const row =
          change.kind === "delay"
            ? await tasksRepo.setDates(tx, change.taskId, change.startDate?.to ?? null, change.dueDate?.to ?? null)
            : await tasksRepo.setAssignee(tx, change.taskId, change.assigneeId!.to);
        if (!row) continue;
        const { taskId: _taskId, key: _key, ...what } = change;
        journal.record(row.id, "levelled", { ...what, basis: proposal.basis });
        const changes = change.kind === "delay" ? { startDate: change.startDate, dueDate: change.dueDate } : { assigneeId: change.assigneeId };
        await emitEvents(tx, actor.userId, [{ type: "task.updated", orgId: row.org_id, projectId: row.project_id, data: { id: row.id, key: taskKey(row.project_key, row.number), version: row.version, changes } }]);
      }
      await journal.flush(tx, { action: "project.levelling.apply", targetType: "project", targetId: project.id, changes: { basis: proposal.basis, changes: proposal.changes.length } });
      return proposal;
    });
  }

  private async compute(q: Queryable, project: ProjectRow, input: LevellingInput) {
    if (input.to < input.from) throw invalid("query.to", "must be on or after from");
    const weeks = weeksCovering(input.from, input.to);
    if (weeks.length > MAX_WEEKS) throw invalid("query.to", `must be within ${MAX_WEEKS} weeks of from`);
    const plan = await this.schedule.compute(project, "en", q);
    const timing = new Map(plan.tasks.map((t) => [t.id, t]));
    const data = await this.workload.loads(q, project.org_id, weeks);
    const movable: LevelTask[] = [];
    const fixed = data.tasks.filter((t) => {
      const s = t.id === undefined ? undefined : timing.get(t.id);
      // A task whose own dates its links contradict is left to the user; a summary moves with its subtasks.
      if (!s || s.conflict || s.summary || (t.startDate === null && t.dueDate === null)) return true;
      movable.push({ id: s.id, key: s.key, assigneeId: t.assigneeId, startDate: t.startDate, dueDate: t.dueDate, remainingHours: t.remainingHours, freeSlack: s.freeSlackDays, critical: s.critical });
      return false;
    });
    const eligible = (await eligibleMembers(q, project.org_id, project.id)).map((m) => m.user_id);
    const result = planLevelling({ weeks, people: data.people, org: data.org, fixed, movable, eligible, includeCritical: input.includeCritical ?? false });
    return { basis: basisOf(result.changes), ...result };
  }
}
