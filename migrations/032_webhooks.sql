-- Outgoing webhooks of an organization: generic signed JSON or an IM robot card
-- (DingTalk, Feishu, WeCom, Slack). The secret is kept in clear because signing needs
-- it; the API never returns it after creation.
create table webhooks (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  url text not null,
  events text[] not null,
  secret text,
  format text not null check (format in ('generic', 'dingtalk', 'feishu', 'wecom', 'slack')),
  locale text not null check (locale in ('zh-CN', 'en')),
  active boolean not null default true,
  -- Final delivery failures in a row; reaching PLINTH_WEBHOOK_DISABLE_AFTER disables the webhook.
  consecutive_failures integer not null default 0,
  disabled_reason text,
  disabled_at timestamptz,
  last_delivery_at timestamptz,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhooks_org_idx on webhooks (org_id, created_at, id);
create index webhooks_active_idx on webhooks (org_id) where active;

-- One delivery per (webhook, event): its id is the X-Plinth-Delivery header receivers
-- dedupe by, the same on every retry and manual redelivery.
create table webhook_deliveries (
  id uuid primary key,
  webhook_id uuid not null references webhooks (id) on delete cascade,
  org_id uuid not null,
  kind text not null check (kind in ('event', 'ping')),
  event_id uuid not null,
  event_type text not null,
  -- The event as relayed, so a retry or a redelivery sends the same content.
  event jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'blocked')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  next_retry_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index webhook_deliveries_event_key on webhook_deliveries (webhook_id, event_id);
create index webhook_deliveries_list_idx on webhook_deliveries (webhook_id, created_at desc, id desc);
create index webhook_deliveries_age_idx on webhook_deliveries (created_at);

-- Every attempt of a delivery, as the delivery log shows it.
create table webhook_delivery_attempts (
  delivery_id uuid not null references webhook_deliveries (id) on delete cascade,
  attempt integer not null,
  result text not null check (result in ('succeeded', 'failed', 'blocked')),
  status_code integer,
  duration_ms integer not null,
  error text,
  response_snippet text,
  next_retry_at timestamptz,
  at timestamptz not null default now(),
  primary key (delivery_id, attempt)
);
