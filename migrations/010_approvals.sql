-- Approval flows: versioned definitions, instances pinned to a version, node runs with
-- snapshotted approver tasks, a gap-free per-instance timeline, durable timeouts, delegation.

-- One row per flow key: serializes new versions (row lock) and carries the archive flag.
create table approval_flow_keys (
  org_id uuid not null references orgs (id) on delete cascade,
  key text not null,
  latest_version integer not null,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, key)
);

-- Immutable versions; instances reference the exact row they started on.
create table approval_flows (
  id uuid primary key,
  org_id uuid not null,
  key text not null,
  version integer not null,
  name text not null,
  definition jsonb not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (org_id, key, version),
  foreign key (org_id, key) references approval_flow_keys (org_id, key) on delete cascade
);

create table approval_instances (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  flow_id uuid not null references approval_flows (id),
  flow_key text not null,
  flow_version integer not null,
  title text not null,
  initiator_id uuid not null references users (id),
  form jsonb not null default '{}',
  subject_type text,
  subject_id uuid,
  subject_project_id uuid,
  picked_approvers jsonb not null default '{}',
  status text not null check (status in ('running', 'approved', 'rejected', 'returned', 'withdrawn')),
  attempt integer not null default 1,
  revision integer not null default 1,
  -- The last timeline seq handed out; bumped under the instance row lock, so seq has no gaps.
  last_seq integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz
);
create index approval_instances_initiator_idx on approval_instances (initiator_id, created_at desc, id desc);
create index approval_instances_org_created_idx on approval_instances (org_id, created_at);
create index approval_instances_subject_idx on approval_instances (subject_id) where subject_id is not null;

-- One per activated node per attempt (plus signer steps added "after" a node).
create table approval_node_runs (
  id uuid primary key,
  instance_id uuid not null references approval_instances (id) on delete cascade,
  org_id uuid not null,
  attempt integer not null,
  ordinal integer not null,
  node_id text not null,
  node_type text not null check (node_type in ('approval', 'cc', 'branch')),
  name text,
  mode text check (mode in ('sequential', 'all', 'any', 'threshold')),
  threshold jsonb,
  kind text not null default 'node' check (kind in ('node', 'added_after')),
  host_run_id uuid,
  continue_from text not null,
  status text not null check (status in ('pending', 'active', 'approved', 'rejected', 'skipped', 'canceled')),
  -- Runs after a return target stop counting (their approvals are invalidated).
  invalidated boolean not null default false,
  cc_user_ids jsonb not null default '[]',
  note jsonb not null default '{}',
  activated_at timestamptz,
  decided_at timestamptz,
  last_urged_at timestamptz,
  unique (instance_id, ordinal)
);

create table approval_tasks (
  id uuid primary key,
  instance_id uuid not null references approval_instances (id) on delete cascade,
  run_id uuid not null references approval_node_runs (id) on delete cascade,
  org_id uuid not null,
  attempt integer not null,
  assignee_id uuid not null references users (id),
  on_behalf_of uuid references users (id),
  position integer not null,
  status text not null check (status in ('waiting', 'pending', 'approved', 'rejected', 'transferred', 'canceled', 'auto_approved')),
  origin text not null check (origin in ('resolved', 'admin_fallback', 'transfer', 'reassign', 'add_before', 'add_parallel', 'add_after', 'escalate')),
  -- add_signer "before": the task that waits until this one is approved.
  blocks_task_id uuid,
  -- Whether the task is one of the node's N approvers (before-signers and escalations are not).
  counts boolean not null default true,
  auto_reason text,
  comment text,
  decided_by uuid,
  decided_at timestamptz,
  pending_since timestamptz,
  created_at timestamptz not null
);
create index approval_tasks_run_idx on approval_tasks (run_id);
create index approval_tasks_instance_idx on approval_tasks (instance_id);
create index approval_tasks_pending_idx on approval_tasks (assignee_id, created_at desc, id desc) where status = 'pending';
create index approval_tasks_done_idx on approval_tasks (assignee_id, decided_at desc, id desc) where decided_by is not null;
-- A user holds at most one live task per node run.
create unique index approval_tasks_holder_key on approval_tasks (run_id, assignee_id)
  where status in ('waiting', 'pending', 'approved', 'rejected', 'auto_approved');

-- The timeline: append-only, seq gap-free per instance.
create table approval_events (
  instance_id uuid not null references approval_instances (id) on delete cascade,
  seq integer not null,
  org_id uuid not null,
  attempt integer not null,
  type text not null,
  actor_id uuid,
  node_id text,
  task_id uuid,
  data jsonb not null default '{}',
  request_id text,
  at timestamptz not null,
  primary key (instance_id, seq)
);

-- Request ids already applied to an instance: a replayed request is a no-op.
create table approval_requests (
  instance_id uuid not null references approval_instances (id) on delete cascade,
  request_id text not null,
  action text not null,
  created_at timestamptz not null default now(),
  primary key (instance_id, request_id)
);

create table approval_cc (
  instance_id uuid not null references approval_instances (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  org_id uuid not null,
  created_at timestamptz not null,
  primary key (instance_id, user_id)
);
create index approval_cc_user_idx on approval_cc (user_id, created_at desc, instance_id desc);

-- Node timeouts live here (not in memory) so a restart loses none.
create table approval_timeouts (
  id uuid primary key,
  org_id uuid not null,
  instance_id uuid not null references approval_instances (id) on delete cascade,
  run_id uuid not null references approval_node_runs (id) on delete cascade,
  action text not null check (action in ('remind', 'auto_approve', 'auto_reject', 'escalate')),
  due_at timestamptz not null,
  attempts integer not null default 0,
  fired_at timestamptz,
  outcome text,
  created_at timestamptz not null default now()
);
create index approval_timeouts_due_idx on approval_timeouts (due_at) where fired_at is null;

-- While away, a user's new approval tasks go to a delegate (one hop, never chained).
create table approval_delegations (
  org_id uuid not null references orgs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  delegate_id uuid not null references users (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
