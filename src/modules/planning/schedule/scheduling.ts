import type { Actor } from "../../../platform/actor.js";
import type { Tx } from "../../../platform/db/index.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import type { ProjectsService } from "../../projects/service.js";
import { TaskJournal } from "../../tasks/journal.js";
import { taskKey } from "../../tasks/model.js";
import { tasksRepo, type TaskRow } from "../../tasks/repository.js";
import type { CalendarService } from "../calendar/service.js";
import { compileCalendar } from "../calendar/workdays.js";
import { dependenciesRepo } from "../dependencies/repository.js";
import { downstreamOf, planMoves, type Edge, type Move, type ReschedulableTask } from "./reschedule.js";
import { scheduleRepo, type SchedulingMode } from "./repository.js";

/** What set a reschedule off, as recorded on every task it moved. */
export type Trigger = { kind: "task"; taskId: string; key: string } | { kind: "dependency"; dependencyId: string } | { kind: "mode"; projectId: string };

/**
 * Scheduling modes per project and automatic rescheduling. In an automatic
 * project, when a predecessor moves (its dates or length change, or a link is
 * made or changed), its dated dependents move later as far as the links require,
 * in the same transaction, each recorded in the task's activity with the reason.
 */
export class SchedulingService {
  constructor(
    private readonly p: Platform,
    private readonly projects: ProjectsService,
    private readonly calendar: CalendarService,
  ) {}

  async getMode(actor: Actor, projectId: string): Promise<{ mode: SchedulingMode }> {
    const { project } = await this.projects.access(actor, projectId);
    return { mode: await scheduleRepo.mode(this.p.db.readFor(actor), project.id) };
  }

  /** Switching to automatic moves every dated task that its dependencies already push later. */
  async setMode(actor: Actor, projectId: string, mode: SchedulingMode): Promise<{ mode: SchedulingMode; rescheduled: number }> {
    const { project } = await this.projects.access(actor, projectId, "project.update");
    return this.p.db.tx(async (tx) => {
      await this.lock(tx, project.org_id);
      const before = await scheduleRepo.mode(tx, project.id);
      if (before === mode) return { mode, rescheduled: 0 };
      await scheduleRepo.setMode(tx, project.id, project.org_id, mode);
      const journal = new TaskJournal(actor, project);
      let moved = 0;
      if (mode === "automatic") {
        const { links } = await scheduleRepo.links(tx, project.id);
        const predecessors = [...new Set(links.map((l) => l.predecessorId))];
        moved = await this.reschedule(tx, journal, predecessors, { kind: "mode", projectId: project.id });
      }
      journal.emit("project.scheduling.updated", { projectId: project.id, mode, rescheduled: moved });
      await journal.flush(tx, { action: "project.scheduling.update", targetType: "project", targetId: project.id, changes: { mode: { from: before, to: mode }, rescheduled: moved } });
      return { mode, rescheduled: moved };
    });
  }

  lock(tx: Tx, orgId: string): Promise<void> {
    // The lock dependency writes take: a reschedule sees a stable set of links.
    return dependenciesRepo.lockOrg(tx, orgId);
  }

  async datesChanged(tx: Tx, journal: TaskJournal, task: TaskRow): Promise<void> {
    await this.reschedule(tx, journal, [task.id], { kind: "task", taskId: task.id, key: taskKey(task.project_key, task.number) });
  }

  /** Moves what follows from `changed` (already written); returns how many tasks moved. */
  async reschedule(tx: Tx, journal: TaskJournal, changed: string[], trigger: Trigger): Promise<number> {
    const orgId = journal.project.org_id;
    if (!(await scheduleRepo.anyAutomatic(tx, orgId))) return 0;
    const edges: Edge[] = await scheduleRepo.orgLinks(tx, orgId);
    const reach = downstreamOf(edges, changed);
    if (reach.size === 0) return 0;
    const needed = new Set(reach);
    for (const e of edges) if (reach.has(e.successorId)) needed.add(e.predecessorId);
    const rows = await scheduleRepo.reschedulable(tx, [...needed]);
    if (!rows.some((r) => r.automatic && reach.has(r.id))) return 0;
    const { rules, hoursPerDay } = await this.calendar.rulesOf(orgId, tx);
    const tasks = new Map<string, ReschedulableTask>(
      rows.map((r) => [r.id, { id: r.id, key: r.key, startDate: r.startDate, dueDate: r.dueDate, estimateHours: r.estimateHours, milestone: r.milestone, automatic: r.automatic }]),
    );
    const moves = planMoves({ calendar: compileCalendar(rules), hoursPerDay, tasks, edges, changed });
    for (const move of moves) await this.apply(tx, journal, move, tasks, trigger);
    return moves.length;
  }

  private async apply(tx: Tx, journal: TaskJournal, move: Move, tasks: ReadonlyMap<string, ReschedulableTask>, trigger: Trigger): Promise<void> {
    const row = await tasksRepo.setDates(tx, move.id, move.startDate.to, move.dueDate.to);
    if (!row) return;
    const changes: Record<string, unknown> = {};
    if (move.startDate.from !== move.startDate.to) changes.startDate = move.startDate;
    if (move.dueDate.from !== move.dueDate.to) changes.dueDate = move.dueDate;
    const b = move.because;
    journal.record(row.id, "rescheduled", {
      ...changes,
      because: { taskId: b.predecessorId, key: tasks.get(b.predecessorId)?.key ?? null, type: b.type, lagDays: b.lag, date: b.predecessorDate },
      trigger,
    });
    await emitEvents(tx, journal.actor.userId, [
      { type: "task.updated", orgId: row.org_id, projectId: row.project_id, data: { id: row.id, key: taskKey(row.project_key, row.number), version: row.version, changes } },
    ]);
  }
}
