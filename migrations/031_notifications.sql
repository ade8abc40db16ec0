-- In-app notifications, at most one per recipient per source (a committed outbox event, or a
-- due-date reminder): a re-delivered event inserts nothing new. Title and body are rendered when
-- read, in the reader's language, from params.
create table notifications (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  source_id uuid not null,
  type text not null,
  params jsonb not null,
  link text not null,
  -- Channels decided from the recipient's preferences when the notification was made.
  in_app boolean not null,
  email text not null check (email in ('none', 'immediate', 'digest')),
  read_at timestamptz,
  emailed_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index notifications_source_user_key on notifications (source_id, user_id);
create index notifications_inbox_idx on notifications (user_id, created_at desc, id desc) where in_app;
create index notifications_unread_idx on notifications (user_id) where in_app and read_at is null;
create index notifications_unmailed_idx on notifications (created_at) where email = 'immediate' and emailed_at is null;
create index notifications_digest_idx on notifications (user_id, created_at) where email = 'digest' and emailed_at is null and read_at is null;

-- Explicit watch (true) or unwatch (false) of a task. Reporter, assignee and mentioned users
-- watch automatically; an unwatch row silences that too.
create table task_watchers (
  task_id uuid not null references tasks (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  watching boolean not null,
  updated_at timestamptz not null default now(),
  primary key (task_id, user_id)
);

-- Per user: e-mail mode, and per notification type which channels are on ({"task.commented": {"email": false}}).
create table notification_preferences (
  user_id uuid primary key references users (id) on delete cascade,
  email_mode text not null default 'immediate' check (email_mode in ('immediate', 'digest', 'off')),
  channels jsonb not null default '{}',
  updated_at timestamptz not null default now()
);

-- One row per reminder ever sent: schedulers on several nodes claim it with insert-on-conflict,
-- so a task gets each reminder for a due date once. `id` is the notifications' source_id.
create table task_reminders (
  task_id uuid not null references tasks (id) on delete cascade,
  due_date date not null,
  kind text not null check (kind in ('due_soon', 'overdue')),
  id uuid not null unique,
  created_at timestamptz not null default now(),
  primary key (task_id, due_date, kind)
);

-- One digest e-mail per user per day, claimed the same way.
create table notification_digests (
  user_id uuid not null references users (id) on delete cascade,
  day date not null,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (user_id, day)
);
create index notification_digests_unsent_idx on notification_digests (created_at) where sent_at is null;

-- The reminder scheduler walks assigned tasks by due date across every project.
create index tasks_due_reminder_idx on tasks (due_date, id) where due_date is not null and assignee_id is not null;
