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
    return this.deliverMany([d], claim);
  }

  /** Several sources at once: one read of the recipients per org and one transaction for all. */
  async deliverMany(deliveries: readonly Delivery[], claim?: (tx: Tx) => Promise<boolean>): Promise<number> {
    const allowed: { d: Delivery; drafts: Draft[] }[] = [];
    for (const d of deliveries) allowed.push({ d, drafts: await this.allowed(d) });
    const people = await this.recipients(allowed.map(({ d, drafts }) => ({ orgId: d.orgId, userIds: drafts.map((x) => x.userId) })));
    const rows: NewNotification[] = [];
    /** Each `notification.created` names the actor of its source. */
    const actorOf = new Map<string, string | null>();
    const immediate = new Set<string>();
    for (const { d, drafts } of allowed) {
      for (const draft of drafts) {
        const person = people.get(personKey(d.orgId, draft.userId));
        if (!person) continue; // no longer a member of the org
        const channels = channelsFor(person, draft.type, this.mail.available);
        if (!channels.inApp && channels.email === "none") continue;
        const id = newId();
        rows.push({ id, orgId: d.orgId, sourceId: d.sourceId, ...draft, inApp: channels.inApp, email: channels.email, createdAt: d.at ?? null });
        actorOf.set(id, d.actorId);
        if (channels.email === "immediate") immediate.add(d.sourceId);
      }
    }
    if (rows.length === 0 && !claim) return 0;
    const inserted = await this.p.db.tx(async (tx) => {
      if (claim && !(await claim(tx))) return 0;
      const fresh = await notificationsRepo.insert(tx, rows);
      const byActor = new Map<string | null, NotificationRow[]>();
      for (const n of fresh.filter((x) => x.in_app)) {
        const actorId = actorOf.get(n.id) ?? null;
        const list = byActor.get(actorId);
        if (list) list.push(n);
        else byActor.set(actorId, [n]);
      }
      for (const [actorId, list] of byActor) await emitEvents(tx, actorId, list.map((n) => createdEvent(n, people.get(personKey(n.org_id, n.user_id)))));
      return fresh.length;
    });
    // After commit, and again when the source is re-delivered after a crash: keyed jobs send once.
    for (const sourceId of immediate) await this.mail.enqueueUnmailed(sourceId);
    return inserted;
  }

  /** Members with their preferences, one query per org, keyed by `personKey`. */
  private async recipients(wanted: { orgId: string; userIds: string[] }[]): Promise<Map<string, PersonRow>> {
    const byOrg = new Map<string, Set<string>>();
    for (const w of wanted) for (const u of w.userIds) byOrg.set(w.orgId, (byOrg.get(w.orgId) ?? new Set()).add(u));
    const out = new Map<string, PersonRow>();
    for (const [orgId, users] of byOrg) {
      for (const r of await notificationsRepo.recipients(this.p.db, orgId, [...users])) out.set(personKey(orgId, r.id), r);
    }
    return out;
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

const personKey = (orgId: string, userId: string): string => `${orgId}:${userId}`;

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
