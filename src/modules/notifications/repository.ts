import type { Queryable, Tx } from "../../platform/db/index.js";
import { fromMicros, micros } from "../tasks/repository.js";
import type { EmailMode, NotificationParams, NotificationType } from "./types.js";

export interface NotificationRow {
  id: string;
  org_id: string;
  user_id: string;
  type: NotificationType;
  params: NotificationParams;
  link: string;
  in_app: boolean;
  read_at: string | null;
  created_at: string;
  cursor_us: number;
}

export interface NewNotification {
  id: string;
  orgId: string;
  userId: string;
  sourceId: string;
  type: NotificationType;
  params: NotificationParams;
  link: string;
  inApp: boolean;
  email: "none" | "immediate" | "digest";
  createdAt: string | null;
}

/** A recipient with what deciding and rendering needs: language, address, preferences. */
export interface PersonRow {
  id: string;
  name: string;
  email: string;
  locale: string;
  email_mode: EmailMode | null;
  channels: Record<string, { inApp?: boolean; email?: boolean }> | null;
}

export interface MailRow {
  id: string;
  type: NotificationType;
  params: NotificationParams;
  link: string;
  emailed_at: string | null;
  email: string;
  locale: string;
}

const cols = `id, org_id, user_id, type, params, link, in_app, read_at, created_at, ${micros("created_at")} as cursor_us`;

export const notificationsRepo = {
  /** Members of the org among the given users, with their preferences. */
  async recipients(q: Queryable, orgId: string, userIds: string[]): Promise<PersonRow[]> {
    if (userIds.length === 0) return [];
    const r = await q.query<PersonRow>(
      `select u.id, u.name, u.email, u.locale, np.email_mode, np.channels
         from users u join org_members m on m.user_id = u.id and m.org_id = $1
         left join notification_preferences np on np.user_id = u.id
        where u.id = any($2::uuid[])`,
      [orgId, userIds],
    );
    return r.rows;
  },

  async localeOf(q: Queryable, userId: string): Promise<string | undefined> {
    const r = await q.query<{ locale: string }>("select locale from users where id = $1", [userId]);
    return r.rows[0]?.locale;
  },

  async names(q: Queryable, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const r = await q.query<{ id: string; name: string }>("select id, name from users where id = any($1::uuid[])", [userIds]);
    return new Map(r.rows.map((u) => [u.id, u.name]));
  },

  /** Inserts what is new; a (source, recipient) pair already notified is skipped. */
  async insert(tx: Tx, rows: NewNotification[]): Promise<NotificationRow[]> {
    if (rows.length === 0) return [];
    const r = await tx.query<NotificationRow>(
      `insert into notifications (id, org_id, user_id, source_id, type, params, link, in_app, email, created_at)
       select id, org_id, user_id, source_id, type, params, link, in_app, email, coalesce(created_at, now())
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[], $8::boolean[], $9::text[], $10::timestamptz[])
              as n(id, org_id, user_id, source_id, type, params, link, in_app, email, created_at)
       on conflict (source_id, user_id) do nothing
       returning ${cols}`,
      [
        rows.map((n) => n.id),
        rows.map((n) => n.orgId),
        rows.map((n) => n.userId),
        rows.map((n) => n.sourceId),
        rows.map((n) => n.type),
        rows.map((n) => JSON.stringify(n.params)),
        rows.map((n) => n.link),
        rows.map((n) => n.inApp),
        rows.map((n) => n.email),
        rows.map((n) => n.createdAt),
      ],
    );
    return r.rows;
  },

  /** Immediate e-mails of a source not sent yet (also after a crash between commit and enqueue). */
  async unmailedOf(q: Queryable, sourceId: string): Promise<string[]> {
    const r = await q.query<{ id: string }>("select id from notifications where source_id = $1 and email = 'immediate' and emailed_at is null", [sourceId]);
    return r.rows.map((x) => x.id);
  },

  /** Immediate e-mails older than `olderThan` that should have gone out (the scheduler's safety net). */
  async staleUnmailed(q: Queryable, olderThan: string, newerThan: string, limit: number): Promise<string[]> {
    const r = await q.query<{ id: string }>(
      `select id from notifications where email = 'immediate' and emailed_at is null and created_at < $1 and created_at > $2 order by created_at limit $3`,
      [olderThan, newerThan, limit],
    );
    return r.rows.map((x) => x.id);
  },

  async page(q: Queryable, userId: string, unreadOnly: boolean, after: { us: number; id: string } | undefined, limit: number): Promise<NotificationRow[]> {
    const r = await q.query<NotificationRow>(
      `select ${cols} from notifications
        where user_id = $1 and in_app and (not $2::boolean or read_at is null)
          and ($3::bigint is null or (created_at, id) < (${fromMicros("$3")}, $4::uuid))
        order by created_at desc, id desc limit $5`,
      [userId, unreadOnly, after?.us ?? null, after?.id ?? null, limit],
    );
    return r.rows;
  },

  async unreadCount(q: Queryable, userId: string): Promise<number> {
    const r = await q.query<{ n: number }>("select count(*)::int as n from notifications where user_id = $1 and in_app and read_at is null", [userId]);
    return r.rows[0]?.n ?? 0;
  },

  /** Marks the user's own notifications read (all of them when ids is null); others' ids match nothing. */
  async markRead(q: Queryable, userId: string, ids: string[] | null): Promise<number> {
    const r = await q.query(
      `update notifications set read_at = now() where user_id = $1 and read_at is null and ($2::uuid[] is null or id = any($2::uuid[]))`,
      [userId, ids],
    );
    return r.rowCount;
  },

  async forMail(q: Queryable, id: string): Promise<MailRow | undefined> {
    const r = await q.query<MailRow>(
      `select n.id, n.type, n.params, n.link, n.emailed_at, u.email, u.locale
         from notifications n join users u on u.id = n.user_id where n.id = $1`,
      [id],
    );
    return r.rows[0];
  },

  async markEmailed(q: Queryable, ids: string[]): Promise<void> {
    if (ids.length > 0) await q.query("update notifications set emailed_at = now() where id = any($1::uuid[]) and emailed_at is null", [ids]);
  },

  async preferences(q: Queryable, userId: string): Promise<{ email_mode: EmailMode; channels: Record<string, { inApp?: boolean; email?: boolean }> } | undefined> {
    const r = await q.query<{ email_mode: EmailMode; channels: Record<string, { inApp?: boolean; email?: boolean }> }>(
      "select email_mode, channels from notification_preferences where user_id = $1",
      [userId],
    );
    return r.rows[0];
  },

  async putPreferences(q: Queryable, userId: string, emailMode: EmailMode, channels: Record<string, { inApp: boolean; email: boolean }>): Promise<void> {
    await q.query(
      `insert into notification_preferences (user_id, email_mode, channels) values ($1, $2, $3)
       on conflict (user_id) do update set email_mode = excluded.email_mode, channels = excluded.channels, updated_at = now()`,
      [userId, emailMode, JSON.stringify(channels)],
    );
  },
};

export const watchersRepo = {
  async set(q: Queryable, taskId: string, userId: string, watching: boolean): Promise<void> {
    await q.query(
      `insert into task_watchers (task_id, user_id, watching) values ($1, $2, $3)
       on conflict (task_id, user_id) do update set watching = excluded.watching, updated_at = now()`,
      [taskId, userId, watching],
    );
  },

  async of(q: Queryable, taskId: string): Promise<{ user_id: string; watching: boolean }[]> {
    const r = await q.query<{ user_id: string; watching: boolean }>("select user_id, watching from task_watchers where task_id = $1", [taskId]);
    return r.rows;
  },
};

export const remindersRepo = {
  /** Claims reminders not sent before; returns the ones this caller won (others ran elsewhere). */
  async claim(tx: Tx, rows: { id: string; taskId: string; dueDate: string; kind: string }[]): Promise<{ id: string; task_id: string; kind: string }[]> {
    if (rows.length === 0) return [];
    const r = await tx.query<{ id: string; task_id: string; kind: string }>(
      `insert into task_reminders (id, task_id, due_date, kind)
       select * from unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[])
       on conflict (task_id, due_date, kind) do nothing
       returning id, task_id, kind`,
      [rows.map((x) => x.id), rows.map((x) => x.taskId), rows.map((x) => x.dueDate), rows.map((x) => x.kind)],
    );
    return r.rows;
  },
};

export const digestsRepo = {
  /** Claims today's digest for every user with something to send; returns the users this caller won. */
  async claim(tx: Tx, day: string): Promise<string[]> {
    const r = await tx.query<{ user_id: string }>(
      `insert into notification_digests (user_id, day)
       select distinct user_id, $1::date from notifications where email = 'digest' and emailed_at is null and read_at is null
       on conflict (user_id, day) do nothing
       returning user_id`,
      [day],
    );
    return r.rows.map((x) => x.user_id);
  },

  async isSent(q: Queryable, userId: string, day: string): Promise<boolean | undefined> {
    const r = await q.query<{ sent: boolean }>("select sent_at is not null as sent from notification_digests where user_id = $1 and day = $2", [userId, day]);
    return r.rows[0]?.sent;
  },

  /** Unread notifications waiting for the digest, oldest first. */
  async items(q: Queryable, userId: string, limit: number): Promise<MailRow[]> {
    const r = await q.query<MailRow>(
      `select n.id, n.type, n.params, n.link, n.emailed_at, u.email, u.locale
         from notifications n join users u on u.id = n.user_id
        where n.user_id = $1 and n.email = 'digest' and n.emailed_at is null and n.read_at is null
        order by n.created_at, n.id limit $2`,
      [userId, limit],
    );
    return r.rows;
  },

  async markSent(q: Queryable, userId: string, day: string): Promise<void> {
    await q.query("update notification_digests set sent_at = now() where user_id = $1 and day = $2", [userId, day]);
  },

  /** Claimed digests never marked sent (a node died between claim and enqueue). */
  async stale(q: Queryable, olderThan: string, newerThan: string, limit: number): Promise<{ user_id: string; day: string }[]> {
    const r = await q.query<{ user_id: string; day: string }>(
      "select user_id, day from notification_digests where sent_at is null and created_at < $1 and created_at > $2 order by created_at limit $3",
      [olderThan, newerThan, limit],
    );
    return r.rows;
  },
};
