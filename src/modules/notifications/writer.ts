import type { Tx } from "../../platform/db/index.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import type { TaskFacts } from "../tasks/facts.js";
import type { NotificationMailJobs } from "./jobs.js";
import { channelsFor } from "./preferences.js";
import { localeOf, render } from "./render.js";
import { notificationsRepo, type NewNotification, type NotificationRow, type PersonRow } from "./repository.js";
import type { Delivery, Draft } from "./types.js";

/**
 * Turns what a source asks for into notifications: never to the actor, one per
 * recipient, only to people who may still see the thing, on the channels they
 * chose. The rows and their `notification.created` events commit together; a
 * source delivered again inserts nothing and emits nothing.
 */
export class NotificationWriter {
  constructor(
    private readonly p: Platform,
    private readonly facts: TaskFacts,
    private readonly mail: NotificationMailJobs,
  ) {}

  /**
   * Returns how many notifications were new. `claim`, when given, runs first in the
   * same transaction; when it answers false (another node won), nothing is written.
   */
  async deliver(d: Delivery, claim?: (tx: Tx) => Promise<boolean>): Promise<number> {
    const drafts = await this.allowed(d);
    const people = new Map((await notificationsRepo.recipients(this.p.db, d.orgId, drafts.map((x) => x.userId))).map((r) => [r.id, r]));
    const rows: NewNotification[] = [];
    for (const draft of drafts) {
      const person = people.get(draft.userId);
      if (!person) continue; // no longer a member of the org
      const channels = channelsFor(person, draft.type, this.mail.available);
      if (!channels.inApp && channels.email === "none") continue;
      rows.push({ id: newId(), orgId: d.orgId, sourceId: d.sourceId, ...draft, inApp: channels.inApp, email: channels.email, createdAt: d.at ?? null });
    }
    if (rows.length === 0 && !claim) return 0;
    const inserted = await this.p.db.tx(async (tx) => {
      if (claim && !(await claim(tx))) return 0;
      const fresh = await notificationsRepo.insert(tx, rows);
      await emitEvents(tx, d.actorId, fresh.filter((n) => n.in_app).map((n) => createdEvent(n, people.get(n.user_id))));
      return fresh.length;
    });
    // After commit, and again when the source is re-delivered after a crash: keyed jobs send once.
    if (rows.some((r) => r.email === "immediate")) await this.mail.enqueueUnmailed(d.sourceId);
    return inserted;
  }

  /** Drafts minus the actor's own, one per user (first wins), and only users who can see the project. */
  private async allowed(d: Delivery): Promise<Draft[]> {
    const seen = new Set<string>();
    const out: Draft[] = [];
    for (const draft of d.drafts) {
      if (draft.userId === d.actorId || seen.has(draft.userId)) continue;
      seen.add(draft.userId);
      if (d.projectId && !(await this.facts.canSee(draft.userId, d.projectId))) continue;
      out.push(draft);
    }
    return out;
  }
}

/**
 * Targeted: the realtime hub sends it to the recipient only, rendered in their language.
 * No project: the recipient is told about their notification whatever they see of the project.
 */
function createdEvent(n: NotificationRow, person: PersonRow | undefined) {
  const { title, body } = render(n.type, n.params, localeOf(person?.locale));
  return {
    type: "notification.created",
    orgId: n.org_id,
    projectId: null,
    data: { recipientId: n.user_id, id: n.id, type: n.type, title, body, link: n.link, readAt: null, createdAt: n.created_at },
  };
}
