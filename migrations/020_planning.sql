-- Planning: task dependencies, working calendars (org default, dated exceptions,
-- per-user capacity and time off), worklogs, and the milestone flag on tasks.

-- A milestone lasts zero working days in the schedule.
alter table tasks add column milestone boolean not null default false;

-- successor may start/finish only relative to predecessor (FS, SS, FF, SF), shifted
-- by lag_days working days (negative = lead). Both tasks belong to the same org.
create table task_dependencies (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  predecessor_id uuid not null references tasks (id) on delete cascade,
  successor_id uuid not null references tasks (id) on delete cascade,
  -- the projects of both ends (a task never changes project): a schedule reads its links by project
  predecessor_project_id uuid not null,
  successor_project_id uuid not null,
  type text not null check (type in ('FS', 'SS', 'FF', 'SF')),
  lag_days integer not null default 0 check (lag_days between -1000 and 1000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (predecessor_id, successor_id),
  check (predecessor_id <> successor_id)
);
create index task_dependencies_successor_idx on task_dependencies (successor_id);
create index task_dependencies_successor_project_idx on task_dependencies (successor_project_id);
create index task_dependencies_predecessor_project_idx on task_dependencies (predecessor_project_id);
-- The cycle check walks every edge of the org.
create index task_dependencies_org_idx on task_dependencies (org_id);

-- How a project schedules: manual (dates are the user's; the schedule reports
-- conflicts) or automatic (dependents move when their predecessors move); and
-- whether new unassigned tasks get an assignee (least loaded, or round robin).
create table project_scheduling (
  project_id uuid primary key references projects (id) on delete cascade,
  org_id uuid not null references orgs (id) on delete cascade,
  mode text not null default 'manual' check (mode in ('manual', 'automatic')),
  assignment text not null default 'off' check (assignment in ('off', 'least_loaded', 'round_robin')),
  -- round robin continues after this person
  last_assignee_id uuid references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

-- What a member is good at; automatic assignment matches it against task labels.
create table member_skills (
  org_id uuid not null,
  user_id uuid not null,
  skills text[] not null,
  updated_at timestamptz not null default now(),
  primary key (org_id, user_id),
  foreign key (org_id, user_id) references org_members (org_id, user_id) on delete cascade
);

-- The org's working week; no row means Monday to Friday, 8 hours a day.
create table org_calendars (
  org_id uuid primary key references orgs (id) on delete cascade,
  -- ISO weekdays, 1 = Monday .. 7 = Sunday
  working_weekdays smallint[] not null,
  hours_per_day numeric(4, 2) not null check (hours_per_day > 0 and hours_per_day <= 24),
  version integer not null default 1,
  updated_at timestamptz not null default now()
);

-- Dated exceptions to the working week: holidays (working = false) and make-up
-- working days (working = true, China's 调休 weekends).
create table calendar_days (
  org_id uuid not null references orgs (id) on delete cascade,
  day date not null,
  working boolean not null,
  name text not null default '',
  -- the built-in calendar a day was imported from (e.g. cn-mainland-2026), null when entered by hand
  source text,
  primary key (org_id, day)
);

-- Part-time and custom weeks; no row means the org's week and hours.
create table user_capacities (
  org_id uuid not null,
  user_id uuid not null,
  hours_per_day numeric(4, 2) not null check (hours_per_day >= 0 and hours_per_day <= 24),
  working_weekdays smallint[],
  updated_at timestamptz not null default now(),
  primary key (org_id, user_id),
  foreign key (org_id, user_id) references org_members (org_id, user_id) on delete cascade
);

create table time_off (
  id uuid primary key,
  org_id uuid not null,
  user_id uuid not null,
  start_date date not null,
  end_date date not null,
  note text not null default '',
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (end_date >= start_date),
  foreign key (org_id, user_id) references org_members (org_id, user_id) on delete cascade
);
create index time_off_user_idx on time_off (org_id, user_id, start_date);

-- Hours worked on a task; tasks.spent_hours is their sum, kept in the same transaction.
create table worklogs (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  task_id uuid not null references tasks (id) on delete cascade,
  user_id uuid references users (id) on delete set null,
  work_date date not null,
  hours numeric(4, 2) not null check (hours > 0 and hours <= 24),
  note text not null default '',
  created_at timestamptz not null default now()
);
create index worklogs_task_idx on worklogs (task_id, work_date desc, id desc);
create index worklogs_user_day_idx on worklogs (user_id, work_date);

-- Named snapshots of a project's plan, for variance reports (planned vs current vs actual).
create table baselines (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  project_id uuid not null references projects (id) on delete cascade,
  name text not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (project_id, name)
);

create table baseline_tasks (
  baseline_id uuid not null references baselines (id) on delete cascade,
  -- no foreign key: a task deleted since still shows in the variance, as removed
  task_id uuid not null,
  key text not null,
  -- the schedule's dates when the snapshot was taken
  early_start date not null,
  early_finish date not null,
  duration_days integer not null,
  milestone boolean not null,
  primary key (baseline_id, task_id)
);

-- Recurring tasks: a template and a rule; the cron role creates one task per
-- occurrence. The occurrence row's primary key makes that exactly once, however
-- many nodes run the cron role.
create table recurrences (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  project_id uuid not null references projects (id) on delete cascade,
  -- the tasks are created in this person's name, with their permissions
  created_by uuid not null references users (id) on delete cascade,
  template jsonb not null,
  rule jsonb not null,
  start_date date not null,
  end_date date,
  max_count integer,
  last_date date,
  created_count integer not null default 0,
  -- the next occurrence to create; null once the series has ended or was stopped
  next_date date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index recurrences_due_idx on recurrences (next_date) where next_date is not null;
create index recurrences_project_idx on recurrences (project_id, created_at);

create table recurrence_occurrences (
  recurrence_id uuid not null references recurrences (id) on delete cascade,
  occurrence_date date not null,
  task_id uuid references tasks (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (recurrence_id, occurrence_date)
);

-- Secret iCalendar feed URLs (a person's tasks in an org, or one project's);
-- only the SHA-256 of the token is stored.
create table calendar_feeds (
  id uuid primary key,
  org_id uuid not null,
  user_id uuid not null,
  project_id uuid references projects (id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  foreign key (org_id, user_id) references org_members (org_id, user_id) on delete cascade
);
create index calendar_feeds_user_idx on calendar_feeds (org_id, user_id, created_at);
