import { newId } from "../../platform/ids.js";
import type { TaskFacts } from "../tasks/facts.js";
import { remindersRepo } from "./repository.js";
import type { NotificationWriter } from "./writer.js";

const PAGE = 200;
// Tasks that went overdue longer ago than this are not reminded (e.g. on the first run after an upgrade).
const OVERDUE_LOOKBACK_DAYS = 7;

const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => isoDate(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

/**
 * Due-date reminders to the assignee of open tasks (dates in UTC, like the
 * project summary): `due_soon` when the due date is today or tomorrow, `overdue`
 * once it has passed. Each (task, due date, kind) is claimed with an insert that
 * loses on conflict, in the transaction that writes the notification, so any
 * number of cron nodes remind once. A new due date is a new reminder.
 */
export class DueReminders {
  constructor(
    private readonly facts: TaskFacts,
    private readonly writer: NotificationWriter,
  ) {}

  async run(now: Date = new Date()): Promise<{ reminded: number }> {
    const today = isoDate(now);
    let reminded = 0;
    let after: { dueDate: string; id: string } | undefined;
    for (;;) {
      const page = await this.facts.dueBetween(addDays(today, -OVERDUE_LOOKBACK_DAYS), addDays(today, 1), after, PAGE);
      for (const task of page) {
        const kind: "overdue" | "due_soon" = task.dueDate < today ? "overdue" : "due_soon";
        const reminder = { id: newId(), taskId: task.id, dueDate: task.dueDate, kind };
        const n = await this.writer.deliver(
          {
            sourceId: reminder.id,
            orgId: task.orgId,
            actorId: null,
            projectId: task.projectId,
            drafts: [{ userId: task.assigneeId, type: `task.${kind}`, params: { taskKey: task.key, taskTitle: task.title, dueDate: task.dueDate }, link: `/tasks/${task.key}` }],
          },
          async (tx) => (await remindersRepo.claim(tx, [reminder])).length > 0,
        );
        reminded += n;
      }
      const last = page[page.length - 1];
      if (!last || page.length < PAGE) break;
      after = { dueDate: last.dueDate, id: last.id };
    }
    return { reminded };
  }
}
