-- A claimed Idempotency-Key belongs to the node serving it. If that node dies mid-request, a
-- retry may take the key over — but only when the write never committed: the first commit of
-- an idempotent request sets effect_committed in the same transaction as the write itself.
alter table idempotency_keys add column holder text;
alter table idempotency_keys add column effect_committed boolean not null default false;

-- Liveness of server processes (one row per running process, refreshed every second).
create table node_heartbeats (
  node_id text primary key,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);
