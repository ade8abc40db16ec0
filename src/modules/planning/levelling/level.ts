import { addWorkingDays, type WorkCalendar } from "../calendar/workdays.js";
import { computeWorkload, type OpenTask, type Person, type Week } from "../workload/allocate.js";

// Resource levelling: for people with more hours than capacity in some week,
// propose delaying their non-critical tasks within free slack (so no successor
// and never the project finish moves), or else handing a task to a colleague
// with room for it. Critical tasks stay put unless the caller asks otherwise.
// Greedy and explainable: one task at a time, the change that removes the most
// excess hours, kept only if it makes things strictly better.

export interface LevelTask {
  id: string;
  key: string;
  assigneeId: string;
  startDate: string | null;
  dueDate: string | null;
  remainingHours: number;
  /** Working days it can slip without moving any successor. */
  freeSlack: number;
  critical: boolean;
}

export interface Overload {
  userId: string;
  week: string;
  allocatedHours: number;
  capacityHours: number;
}

export interface LevelChange {
  taskId: string;
  key: string;
  kind: "delay" | "reassign";
  startDate?: { from: string | null; to: string | null };
  dueDate?: { from: string | null; to: string | null };
  assigneeId?: { from: string; to: string };
  delayDays?: number;
  /** Excess hours of the person it relieves, before and after. */
  relieves: { userId: string; excessBefore: number; excessAfter: number };
}

// Enough to clear a few weeks; free slack rarely allows more and each try recomputes a load.
const MAX_DELAY_DAYS = 30;
const round2 = (h: number) => Math.round(h * 100) / 100;

export function planLevelling(input: {
  weeks: readonly Week[];
  people: readonly Person[];
  org: { calendar: WorkCalendar; hoursPerDay: number };
  /** All other open work of the org: it does not move. */
  fixed: readonly OpenTask[];
  /** This project's dated, assigned, open tasks. */
  movable: readonly LevelTask[];
  /** Who may take over a task of the project. */
  eligible: readonly string[];
  includeCritical: boolean;
}): { changes: LevelChange[]; before: Overload[]; after: Overload[] } {
  const people = new Map(input.people.map((p) => [p.userId, p]));
  const plan = new Map(input.movable.map((t) => [t.id, { ...t }]));
  const asOpen = (t: LevelTask): OpenTask => ({ assigneeId: t.assigneeId, projectId: "", startDate: t.startDate, dueDate: t.dueDate, remainingHours: t.remainingHours });
  const workOf = (userId: string, replace?: LevelTask) => [
    ...input.fixed.filter((t) => t.assigneeId === userId),
    ...[...plan.values()].filter((t) => t.id !== replace?.id && t.assigneeId === userId).map(asOpen),
    ...(replace && replace.assigneeId === userId ? [asOpen(replace)] : []),
  ];
  const weeksOf = (userId: string, replace?: LevelTask) => {
    const person = people.get(userId);
    return person ? computeWorkload({ weeks: input.weeks, people: [person], tasks: workOf(userId, replace), org: input.org })[0]!.weeks : [];
  };
  const excess = (weeks: ReturnType<typeof weeksOf>) => round2(weeks.reduce((s, w) => s + Math.max(0, w.totalAllocatedHours - w.capacityHours), 0));
  const overloads = (): Overload[] =>
    input.people.flatMap((p) =>
      weeksOf(p.userId)
        .filter((w) => w.overallocated)
        .map((w) => ({ userId: p.userId, week: w.week, allocatedHours: w.totalAllocatedHours, capacityHours: w.capacityHours })),
    );

  const before = overloads();
  const changes: LevelChange[] = [];
  for (const userId of [...new Set(before.map((o) => o.userId))]) {
    // Most room to move first; critical tasks only when asked.
    const mine = [...plan.values()]
      .filter((t) => t.assigneeId === userId && t.remainingHours > 0 && (input.includeCritical || !t.critical))
      .sort((a, b) => b.freeSlack - a.freeSlack || (a.key < b.key ? -1 : 1));
    for (const task of mine) {
      const current = excess(weeksOf(userId));
      if (current === 0) break;
      const change = bestDelay(task, current) ?? bestReassignment(task, current);
      if (!change) continue;
      plan.set(task.id, change.task);
      changes.push(change.change);
    }
  }
  return { changes, before, after: overloads() };

  function bestDelay(task: LevelTask, current: number): { task: LevelTask; change: LevelChange } | undefined {
    let best: { task: LevelTask; days: number; after: number } | undefined;
    const limit = Math.min(task.freeSlack, MAX_DELAY_DAYS);
    for (let days = 1; days <= limit; days++) {
      const moved = {
        ...task,
        startDate: task.startDate && addWorkingDays(input.org.calendar, task.startDate, days),
        dueDate: task.dueDate && addWorkingDays(input.org.calendar, task.dueDate, days),
      };
      const after = excess(weeksOf(task.assigneeId, moved));
      if (after < (best?.after ?? current)) best = { task: moved, days, after };
      if (after === 0) break;
    }
    if (!best) return undefined;
    return {
      task: best.task,
      change: {
        taskId: task.id,
        key: task.key,
        kind: "delay",
        ...(task.startDate !== null ? { startDate: { from: task.startDate, to: best.task.startDate } } : {}),
        ...(task.dueDate !== null ? { dueDate: { from: task.dueDate, to: best.task.dueDate } } : {}),
        delayDays: best.days,
        relieves: { userId: task.assigneeId, excessBefore: current, excessAfter: best.after },
      },
    };
  }

  function bestReassignment(task: LevelTask, current: number): { task: LevelTask; change: LevelChange } | undefined {
    const without = excess(weeksOf(task.assigneeId, { ...task, assigneeId: "" }));
    if (without >= current) return undefined;
    // Someone who stays within capacity with the task; the least loaded of them.
    let best: { userId: string; load: number } | undefined;
    for (const other of input.eligible) {
      if (other === task.assigneeId || !people.has(other)) continue;
      const theirs = weeksOf(other, { ...task, assigneeId: other });
      if (excess(theirs) > excess(weeksOf(other))) continue;
      const load = theirs.reduce((s, w) => s + w.totalAllocatedHours, 0);
      if (!best || load < best.load || (load === best.load && other < best.userId)) best = { userId: other, load };
    }
    if (!best) return undefined;
    return {
      task: { ...task, assigneeId: best.userId },
      change: {
        taskId: task.id,
        key: task.key,
        kind: "reassign",
        assigneeId: { from: task.assigneeId, to: best.userId },
        relieves: { userId: task.assigneeId, excessBefore: current, excessAfter: without },
      },
    };
  }
}
