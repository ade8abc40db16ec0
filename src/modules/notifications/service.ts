import type { Actor } from "../../platform/actor.js";
import { cursorIs, decodeCursor, pageOf } from "../../platform/cursor.js";
import { invalid } from "../../platform/errors.js";
import type { Locale } from "../../platform/i18n.js";
import type { Platform } from "../../platform/index.js";
import type { RelayedEvent } from "../../platform/events/types.js";
import type { TasksService } from "../tasks/service.js";
import { DailyDigests } from "./digests.js";
import { NotificationMailJobs } from "./jobs.js";
import type { Mailer } from "./mail/mailer.js";
import { mergePreferences, preferencesDoc, type PreferencesDoc } from "./preferences.js";
import { EventNotifications, NOTIFYING_EVENTS } from "./producers.js";
import { DueReminders } from "./reminders.js";
import { localeOf, render } from "./render.js";
import { notificationsRepo, type NotificationRow } from "./repository.js";
import type { EmailMode, NotificationType } from "./types.js";
import { TaskWatchers } from "./watchers.js";
import { NotificationWriter } from "./writer.js";

export interface PreferencesChange {
  emailMode?: EmailMode;
  types?: { type: NotificationType; inApp?: boolean; email?: boolean }[];
}

const toNotification = (locale: Locale) => (n: NotificationRow) => ({
  id: n.id,
  type: n.type,
  ...render(n.type, n.params, locale),
  link: n.link,
  readAt: n.read_at,
  createdAt: n.created_at,
});

/**
 * Notifications: made from committed events (a relay consumer) and due-date
 * reminders (cron), read and marked read by their recipient, shaped by the
 * recipient's preferences, and e-mailed by jobs.
 */
export class NotificationsService {
  readonly watchers: TaskWatchers;
  readonly reminders: DueReminders;
  readonly digests: DailyDigests;
  private readonly mail: NotificationMailJobs;
  private readonly writer: NotificationWriter;
  private readonly events: EventNotifications;

  constructor(
    private readonly p: Platform,
    tasks: TasksService,
    mailer: Mailer | undefined,
  ) {
    this.mail = new NotificationMailJobs(p, mailer);
    this.watchers = new TaskWatchers(p, tasks);
    this.writer = new NotificationWriter(p, tasks.facts, this.mail);
    this.events = new EventNotifications(p.db, tasks.facts, this.watchers);
    this.reminders = new DueReminders(tasks.facts, this.writer);
    this.digests = new DailyDigests(p, this.mail);
    p.relay.consume({
      name: "notifications",
      accepts: (type) => NOTIFYING_EVENTS.has(type),
      handle: async (e) => {
        await this.onEvents([e]);
      },
      handleMany: async (events) => {
        await this.onEvents(events);
      },
      attempts: 8,
      backoffMs: 2_000,
    });
  }

  /** The relay consumer: at least once per event; a second run for the same event id writes nothing. */
  async onEvents(events: readonly RelayedEvent[]): Promise<number> {
    const deliveries = await this.events.deliveriesFor(events);
    return deliveries.length > 0 ? this.writer.deliverMany(deliveries) : 0;
  }

  async list(actor: Actor, q: { unread?: boolean; limit?: number; cursor?: string }, requested: Locale | undefined) {
    const limit = q.limit ?? 50;
    const c = decodeCursor(q.cursor, 2, [(v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0, cursorIs.uuid]);
    const rows = await notificationsRepo.page(this.p.db, actor.userId, q.unread === true, c ? { us: c[0] as number, id: c[1] as string } : undefined, limit + 1);
    const locale = requested ?? localeOf(await notificationsRepo.localeOf(this.p.db, actor.userId));
    return pageOf(rows, limit, (r) => [r.cursor_us, r.id], toNotification(locale));
  }

  async unreadCount(actor: Actor): Promise<{ count: number }> {
    return { count: await notificationsRepo.unreadCount(this.p.db, actor.userId) };
  }

  /** Exactly one of `ids` or `all: true`. Ids of other users' notifications change nothing. */
  async markRead(actor: Actor, input: { ids?: string[]; all?: boolean }): Promise<void> {
    if ((input.ids === undefined) === (input.all !== true)) throw invalid("body", "send either ids or all: true");
    await notificationsRepo.markRead(this.p.db, actor.userId, input.all === true ? null : [...new Set(input.ids)]);
  }

  async preferences(actor: Actor): Promise<PreferencesDoc> {
    return preferencesDoc(await notificationsRepo.preferences(this.p.db, actor.userId), this.mail.available);
  }

  async updatePreferences(actor: Actor, change: PreferencesChange): Promise<PreferencesDoc> {
    const next = mergePreferences(await this.preferences(actor), change);
    await notificationsRepo.putPreferences(this.p.db, actor.userId, next.emailMode, next.channels);
    return this.preferences(actor);
  }
}
