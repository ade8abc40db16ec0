import type { Actor } from "../../platform/actor.js";
import type { Tx } from "../../platform/db/index.js";
import { emitEvents, type DomainEvent } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import type { ProjectRow } from "../projects/repository.js";
import { activityRepo, type ActivityEntry } from "./comments.repository.js";

/**
 * What one task use case did, written at the end of its transaction: the task
 * activity (old -> new per field), one audit record and the outbox events.
 */
export class TaskJournal {
  private readonly activity: ActivityEntry[] = [];
  private readonly events: DomainEvent[] = [];

  constructor(
    readonly actor: Actor,
    readonly project: Pick<ProjectRow, "id" | "org_id" | "key">,
  ) {}

  record(taskId: string, action: string, changes: Record<string, unknown>): void {
    this.activity.push({ orgId: this.project.org_id, taskId, actorId: this.actor.userId, action, changes });
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.events.push({ type, orgId: this.project.org_id, projectId: this.project.id, data });
  }

  async flush(tx: Tx, audit: { action: string; targetType?: string; targetId: string; changes: Record<string, unknown> }): Promise<void> {
    await activityRepo.append(tx, this.activity);
    await appendAudit(tx, this.actor, {
      orgId: this.project.org_id,
      action: audit.action,
      targetType: audit.targetType ?? "task",
      targetId: audit.targetId,
      changes: audit.changes,
    });
    await emitEvents(tx, this.actor.userId, this.events);
  }
}
