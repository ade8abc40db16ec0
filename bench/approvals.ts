import { approverPool, seedCountersign, seedReviews, type PendingDecision } from "./dataset/approvals.js";
import { follow, sample } from "./drain.js";
import { runPhase, type Action } from "./driver.js";
import type { BenchOptions } from "./options.js";
import { watchProcesses } from "./procstat.js";
import type { ApprovalDrain, BenchReport, PhaseReport } from "./report.js";
import { datasetOf, documentedRoutes, loadInto, measured, prepareStore, startNodes, withDatabase, type Log } from "./stage.js";
import { approvalTargets, type CountersignResult } from "./targets.js";

// The approvals scenario (issue 4): many pending single-step approvals, each
// waiting for one of `connections` distinct approvers; every connection is one
// approver deciding (approve) their own pending approvals over HTTP as fast as
// the server answers. Then one 会签 (`all`) node of 100 approvers, decided in
// parallel, must finish the instance exactly once.

const ACTION_ROUTE = "POST /api/v1/approvals/{}/actions";
const COUNTERSIGN_SIZE = 100;

const approve = (d: PendingDecision, tokens: string[]): Action => ({
  name: "approve",
  requests: () => [
    { method: "POST", path: `/api/v1/approvals/${d.instanceId}/actions`, token: tokens[d.approver]!, body: { action: "approve", taskId: d.taskId, comment: "同意 / Approved" } },
  ],
});

/** 2xx answers over the status counts of a phase's actions (a raw phase result or its report). */
const succeeded = (statuses: Iterable<Record<string, number> | undefined>): number => {
  let n = 0;
  for (const byCode of statuses) for (const [code, c] of Object.entries(byCode ?? {})) if (code.startsWith("2")) n += c;
  return n;
};

interface InstanceView {
  status: string;
  nodes: { id: string; status: string }[];
  timeline: { type: string; nodeId: string | null }[];
}

export async function runApprovals(o: BenchOptions, report: BenchReport, log: Log): Promise<void> {
  const tier = o.tiers[0]!;
  const store = await prepareStore(o);
  const loaded = await loadInto(store, tier, o, log);
  report.dataset = datasetOf(tier, o, loaded);
  const { plan, tokens } = loaded;
  const pool = approverPool(plan);
  if (pool.length < o.connections + 1) throw new Error(`--connections ${o.connections}: the ${tier} tier has ${pool.length} possible approvers; each connection needs its own (and one more to start them)`);
  // The owner starts the countersign; approvers are the other staff, one per connection.
  const approvers = pool.slice(1, 1 + o.connections);
  // Enough for 60 decisions per second per approver over warm-up and measurement (more than
  // either mode has served), plus the paced phase's share.
  const pacedPerApprover = o.rate > 0 ? Math.ceil((o.duration * o.rate) / approvers.length) + 1 : 0;
  const perApprover = Math.max(10, Math.ceil((o.warmup + o.duration) * 60)) + pacedPerApprover;
  const canCountersign = pool.length > COUNTERSIGN_SIZE;

  log(`starting ${perApprover * approvers.length} approvals for ${approvers.length} approvers through the engine`);
  const t0 = Date.now();
  const seeded = await withDatabase(store, async (db) => {
    const reviews = await seedReviews(db, plan, approvers, perApprover);
    const cs = canCountersign ? await seedCountersign(db, plan, pool.slice(1, 1 + COUNTERSIGN_SIZE), pool[0]!) : undefined;
    await db.query("analyze");
    return { reviews, cs };
  });
  report.notes.push(`${seeded.reviews.instances} pending approvals (${perApprover} per approver) bulk-inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  report.dataset.counts.approvals = (report.dataset.counts.approvals ?? 0) + seeded.reviews.instances + (seeded.cs ? 1 : 0);
  report.dataset.skipped = report.dataset.skipped.filter((s) => !s.startsWith("approvals"));

  log(`starting ${o.nodes} server node(s)`);
  const nodes = await startNodes(store, o);
  const routes = await documentedRoutes(nodes[0]!.origin);
  if (!routes.has(ACTION_ROUTE)) throw new Error(`the server does not document ${ACTION_ROUTE}`);
  const origins = nodes.map((n) => n.origin);

  // Each approver's last decisions are kept for the paced phase, so the first cannot use them up.
  const queues = approvers.map((u) => seeded.reviews.decisions.filter((d) => d.approver === u.index));
  const pacedQueues = queues.map((q) => (o.rate > 0 ? q.splice(q.length - pacedPerApprover) : []));
  let ranOut = 0;
  const next = (vu: number): Action | undefined => {
    const d = queues[vu]!.shift();
    if (!d) ranOut++;
    return d && approve(d, tokens);
  };
  let answered = 0;
  if (o.warmup > 0) {
    log(`warming up for ${o.warmup} s`);
    answered += succeeded([...(await runPhase({ origins, connections: o.connections, seconds: o.warmup, next })).actions.values()].map((a) => a.statuses));
  }
  ranOut = 0;
  log(`measuring approval decisions for ${o.duration} s`);
  const phase = await measured("approvals", `approve: ${o.connections} distinct approvers, each deciding their own pending single-step approvals`, nodes, store, o.connections, o.duration, next);
  report.phases.push(phase);
  answered += succeeded(phase.actions.map((a) => a.statuses));
  if (ranOut > 0) report.notes.push(`${ranOut} approver(s) ran out of pending approvals before the end: decisions/s is understated`);
  // A decision's relay and notification jobs may still be queued when the phase ends: follow
  // them to the end, so the sustained rate and the CPU per decision include all its work.
  log("following the relay and the notification jobs the decisions caused");
  report.approvalDrain = await drainAfter(phase, nodes, store.database);

  // The same approvers, now deciding at a set rate between them (open loop): the latency a
  // decision gets while the node carries that load, and whether the jobs keep up with it.
  let paced: PhaseReport | undefined;
  if (o.rate > 0) {
    ranOut = 0;
    const nextPaced = (vu: number): Action | undefined => {
      const d = pacedQueues[vu]!.shift();
      if (!d) ranOut++;
      return d && approve(d, tokens);
    };
    log(`measuring ${o.rate} approval decisions per second for ${o.duration} s`);
    paced = await measured(
      "approvals_paced",
      `approve: the ${o.connections} approvers together start ${o.rate} decisions/s, evenly spaced (latency counts from when each was due)`,
      nodes, store, o.connections, o.duration, nextPaced, undefined, o.rate,
    );
    report.phases.push(paced);
    answered += succeeded(paced.actions.map((a) => a.statuses));
    if (ranOut > 0) report.notes.push(`${ranOut} approver(s) ran out of pending approvals in the paced phase`);
    log("following the relay and the notification jobs of the paced phase");
    report.pacedApprovalDrain = await drainAfter(paced, nodes, store.database);
  }

  let countersign: CountersignResult | undefined;
  if (seeded.cs) {
    const cs = seeded.cs;
    log(`deciding one ${COUNTERSIGN_SIZE}-approver countersign node`);
    const shared = [...cs.decisions];
    const csPhase = await measured(
      "countersign_100",
      `one instance, one 'all' node of ${COUNTERSIGN_SIZE} approvers, approved in parallel by ${Math.min(o.connections, COUNTERSIGN_SIZE)} connections`,
      nodes, store, Math.min(o.connections, COUNTERSIGN_SIZE), 120,
      () => { const d = shared.shift(); return d && approve(d, tokens); },
    );
    report.phases.push(csPhase);
    countersign = await checkCountersign(origins[0]!, cs.decisions[0]!.instanceId, tokens[pool[0]!.index]!, csPhase);
  } else {
    report.notes.push(`countersign phase skipped: the ${tier} tier has ${pool.length} possible approvers, ${COUNTERSIGN_SIZE + 1} needed`);
  }
  for (const n of nodes) await n.stop();

  // Every 2xx answer must be one approved task and one approved instance in the database.
  const stored = await withDatabase(store, async (db) => {
    const r = await db.query<{ tasks: number; instances: number }>(
      `select (select count(*) from approval_tasks t join approval_instances i on i.id = t.instance_id
                where i.flow_key = 'bench-review' and t.status = 'approved')::int as tasks,
              (select count(*) from approval_instances where flow_key = 'bench-review' and status = 'approved')::int as instances`,
    );
    return r.rows[0]!;
  });
  report.notes.push(`database after the run: ${stored.tasks} approved tasks and ${stored.instances} approved instances for ${answered} successful approve answers`);
  report.targets = approvalTargets(o, phase, paced && report.pacedApprovalDrain ? { phase: paced, drain: report.pacedApprovalDrain } : undefined, countersign, { answered, ...stored });
}

async function drainAfter(phase: PhaseReport, nodes: { pid: number; origin: string }[], database: string | undefined): Promise<ApprovalDrain> {
  const watch = watchProcesses(nodes.map((n) => n.pid), database);
  const first = await sample(nodes[0]!.origin);
  const { jobsDone } = await follow(nodes[0]!.origin, first, () => undefined);
  const usage = watch.stop();
  const drainSeconds = (jobsDone.at - first.at) / 1000;
  const decisions = Math.max(1, phase.overall.requests - phase.overall.errors);
  // CPU % of one core over a span, as milliseconds per decision.
  const ms = (phasePct: number, drainPct: number) => Number((((phasePct / 100) * phase.seconds + (drainPct / 100) * drainSeconds) * 1000 / decisions).toFixed(2));
  const serverPct = (u: typeof usage) => u.servers.reduce((n, x) => n + x.cpuPercent, 0);
  return {
    drainSeconds: Number(drainSeconds.toFixed(2)),
    jobsAfterPhase: jobsDone.completed - first.completed,
    sustainedPerSecond: Number((decisions / (phase.seconds + drainSeconds)).toFixed(1)),
    cpuMsPerDecision: {
      server: ms(serverPct(phase.usage), serverPct(usage)),
      ...(phase.usage.databaseCpuPercent === undefined ? {} : { database: ms(phase.usage.databaseCpuPercent, usage.databaseCpuPercent ?? 0) }),
    },
  };
}

async function checkCountersign(origin: string, id: string, token: string, phase: PhaseReport): Promise<CountersignResult> {
  const res = await fetch(`${origin}/api/v1/approvals/${id}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) return { seconds: phase.seconds, errors: phase.overall.errors, status: `GET answered ${res.status}`, approvedEvents: 0, nodeApprovedEvents: 0 };
  const view = (await res.json()) as InstanceView;
  return {
    seconds: phase.seconds,
    errors: phase.overall.errors,
    status: view.status,
    approvedEvents: view.timeline.filter((e) => e.type === "task.approved").length,
    nodeApprovedEvents: view.timeline.filter((e) => e.type === "node.approved" && e.nodeId === "everyone").length,
  };
}
