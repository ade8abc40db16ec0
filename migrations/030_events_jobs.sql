-- Events leave the outbox in publication order: pub_seq is assigned by the relay, one
-- publisher at a time, so a WebSocket client resuming after pub_seq N misses nothing even
-- when transactions commit out of their insert order.
alter table outbox_events add column pub_seq bigint;
create unique index outbox_pub_seq_key on outbox_events (pub_seq) where pub_seq is not null;
create index outbox_published_at_idx on outbox_events (published_at) where published_at is not null;
create sequence outbox_pub_seq;

-- Durable jobs for embedded mode and clusters without Redis (BullMQ serves clusters with Redis).
-- A job is claimed with FOR UPDATE SKIP LOCKED and leased; a node that dies mid-job loses its
-- lease and another node runs it again (handlers are idempotent).
create table jobs (
  id uuid primary key,
  name text not null,
  dedupe_key text,
  data jsonb not null,
  state text not null default 'waiting' check (state in ('waiting', 'active', 'completed', 'failed')),
  attempts int not null default 0,
  max_attempts int not null,
  backoff_ms int not null,
  run_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index jobs_dedupe_key on jobs (dedupe_key) where dedupe_key is not null;
create index jobs_runnable_idx on jobs (run_at) where state = 'waiting';
create index jobs_active_idx on jobs (locked_until) where state = 'active';
create index jobs_state_idx on jobs (state, created_at desc);
