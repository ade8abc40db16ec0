import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../bench/harness.js";
import { makePlan } from "../bench/dataset/plan.js";
import { taskBatches, type ProjectTasks } from "../bench/dataset/rows.js";
import { appDerived } from "../bench/dataset/derived.js";
import { PLANNING_SIZES, TIERS } from "../bench/dataset/tiers.js";
import { parseOptions } from "../bench/options.js";
import { writeReport, type BenchReport } from "../bench/report.js";
import { repoRoot } from "../bench/servers.js";
import { cleanupAll, loadInto, prepareStore, withDatabase } from "../bench/stage.js";
import { testMode } from "./app.js";

// The harness itself, end to end on the tiny tier: it loads a dataset, starts
// the real server as a child process, drives the mix, measures the ceiling and
// writes its JSON. No assertion is about speed; only that it ran cleanly.

const results = mkdtempSync(join(tmpdir(), "plinth-bench-smoke-"));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const modeArgs =
  testMode === "postgres"
    ? ["--mode", "postgres", "--pg-url", process.env.TEST_DATABASE_URL!, ...(process.env.TEST_REDIS_URL ? ["--redis-url", process.env.TEST_REDIS_URL] : ["--no-redis"])]
    : ["--mode", "embedded"];

describe("benchmark harness", () => {
  it("runs the tiny tier end to end with zero errors and writes well-formed JSON", { timeout: 180_000 }, async () => {
    const options = parseOptions(["--tier", "tiny", "--connections", "4", "--duration", "2", "--warmup", "1", "--focus", "1", ...modeArgs]);
    const report = await runBench(options);
    const file = writeReport(report, results);
    const json = JSON.parse(readFileSync(file, "utf8")) as BenchReport;

    expect(readdirSync(results)).toHaveLength(1);
    expect(json.version).toBe(1);
    expect(json.mode).toBe(testMode === "postgres" ? (process.env.TEST_REDIS_URL ? "PostgreSQL + Redis" : "PostgreSQL") : "embedded (PGlite)");
    expect(json.dataset?.counts.tasks).toBe(TIERS.tiny.tasks);
    expect(json.dataset?.counts.comments).toBe(TIERS.tiny.comments);
    expect(json.dataset?.counts.users).toBe(TIERS.tiny.users);
    expect(json.dataset?.counts.approvals).toBe(TIERS.tiny.approvals);
    expect(json.dataset?.counts.approval_tasks_pending).toBeGreaterThan(0);
    expect(json.dataset?.counts.notifications_unread).toBeGreaterThan(0);
    expect(json.dataset?.skipped).toEqual([]);

    const mix = json.phases.find((p) => p.name === "mix")!;
    expect(mix.overall.requests).toBeGreaterThan(0);
    for (const phase of json.phases) {
      expect(phase.overall.errors, `${phase.name}: ${JSON.stringify(phase.actions.flatMap((a) => a.errorSamples ?? []))}`).toBe(0);
      expect(phase.usage.servers.every((s) => s.rssMbMax > 0)).toBe(true);
    }
    // A 2-second run on a busy machine may not reach every action (shares of 2-7%): each
    // measured action accounts for its requests, and together they make the overall count.
    for (const a of mix.actions) {
      if (a.measured) {
        if (a.stats!.requests > 0) expect(a.stats!.p99, a.name).toBeGreaterThanOrEqual(a.stats!.p50);
      } else {
        expect(a.reason).toMatch(/^n\/a \(/);
        expect(a.stats).toBeUndefined();
      }
    }
    expect(mix.actions.reduce((n, a) => n + (a.stats?.requests ?? 0), 0)).toBe(mix.overall.requests);
    // Every action of the mix has data to work on, approvals and notifications included.
    expect(mix.actions.filter((a) => !a.measured).map((a) => `${a.name}: ${a.reason}`)).toEqual([]);
    const shares = mix.actions.filter((a) => a.measured).reduce((s, a) => s + a.effectiveShare, 0);
    expect(shares).toBeGreaterThan(99.5);
    expect(shares).toBeLessThan(100.5);
    expect(json.phases.map((p) => p.name)).toContain("ceiling");
    expect(json.ratios.mixVsCeilingPercent).toBeGreaterThan(0);
    expect(json.targets.length).toBeGreaterThan(0);
  });

  // The focused scenarios start a server and load data of their own: once, on the mode
  // their targets are about (PostgreSQL), to keep the suite's time in bounds.
  it.runIf(testMode === "postgres")("runs the planning scenario on the tiny size: schedule and workload answered in full, with zero errors", { timeout: 180_000 }, async () => {
    const options = parseOptions(["--scenario", "planning", "--size", "tiny", "--requests", "3", ...modeArgs]);
    const report = await runBench(options);
    const size = PLANNING_SIZES.tiny;

    expect(report.dataset?.counts.tasks).toBe(size.tasks);
    expect(report.dataset?.counts.task_dependencies).toBe(size.dependencies);
    expect(report.dataset?.counts.users).toBe(size.users);
    // The harness checked the answers: every task scheduled, every member over every week.
    expect(report.planning).toMatchObject({ scheduledTasks: size.tasks, workloadUsers: size.users, workloadWeeks: size.weeks });
    expect(report.phases.map((p) => p.name)).toEqual(["planning_schedule", "planning_workload"]);
    for (const phase of report.phases) {
      expect(phase.overall.requests).toBe(3);
      expect(phase.overall.errors, `${phase.name}: ${JSON.stringify(phase.actions.flatMap((a) => a.errorSamples ?? []))}`).toBe(0);
      expect(phase.overall.p99).toBeGreaterThanOrEqual(phase.overall.p50);
    }
    expect(report.targets.map((t) => t.note)).toEqual(["run differs: size tiny, target is full", "run differs: size tiny, target is full"]);
  });

  it("generates approval history and notifications as the server stores them: open tasks on real approvers, unread notifications", { timeout: 120_000 }, async () => {
    const options = parseOptions(["--tier", "tiny", ...modeArgs]);
    try {
      const store = await prepareStore(options);
      const loaded = await loadInto(store, "tiny", options, () => undefined);
      const stored = await withDatabase(store, async (db) => {
        const q = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
        return {
          instances: await q("select count(*)::int as n from approval_instances"),
          finished: await q("select count(*)::int as n from approval_instances where status in ('approved', 'rejected', 'withdrawn') and finished_at is not null"),
          withSubject: await q("select count(*)::int as n from approval_instances i join tasks t on t.id = i.subject_id and t.project_id = i.subject_project_id"),
          // The timeline is gap-free and ends at last_seq, as the engine keeps it.
          gaps: await q("select count(*)::int as n from approval_instances i where last_seq <> (select count(*) from approval_events e where e.instance_id = i.id)"),
          pending: (await db.query<{ id: string; assignee_id: string; instance_id: string }>(
            "select t.id, t.assignee_id, t.instance_id from approval_tasks t join approval_instances i on i.id = t.instance_id where t.status = 'pending' and i.status = 'running'",
          )).rows,
          unread: (await db.query<{ id: string; user_id: string }>("select id, user_id from notifications where read_at is null and in_app")).rows,
          notifications: await q("select count(*)::int as n from notifications"),
          kinds: (await db.query<{ type: string }>("select distinct type from notifications order by type")).rows.map((r) => r.type),
        };
      });
      expect(stored.instances).toBe(TIERS.tiny.approvals);
      expect(stored.finished).toBeGreaterThan(0);
      expect(stored.withSubject).toBe(stored.instances);
      expect(stored.gaps).toBe(0);
      // What the mix will decide is exactly what waits in the database, each on its approver.
      const users = loaded.plan.users;
      expect(loaded.pendingApprovals.length).toBeGreaterThan(0);
      expect(loaded.pendingApprovals.map((d) => `${d.taskId} ${users[d.approver]!.id} ${d.instanceId}`).sort()).toEqual(stored.pending.map((t) => `${t.id} ${t.assignee_id} ${t.instance_id}`).sort());
      const unread = [...loaded.unreadNotifications].flatMap(([u, ids]) => ids.map((id) => `${id} ${users[u]!.id}`));
      expect(unread.length).toBeGreaterThan(0);
      expect(unread.sort()).toEqual(stored.unread.map((n) => `${n.id} ${n.user_id}`).sort());
      expect(stored.unread.length).toBeLessThan(stored.notifications / 2);
      // The tiny tier's ten approvals rarely end inside the notification window: "approval.decided" is not asked for.
      expect(stored.kinds).toEqual(expect.arrayContaining(["approval.assigned", "task.assigned", "task.commented", "task.status_changed"]));
    } finally {
      await cleanupAll();
    }
  });

  it("generates the same dataset from the same seed", () => {
    const anchor = new Date("2026-01-15T00:00:00Z");
    const titles = (seed: string) => {
      const plan = makePlan(TIERS.tiny, seed, anchor);
      const p = plan.projects[0]!;
      const out: ProjectTasks = { createdAt: new Float64Array(p.taskCount) };
      const rows = [...taskBatches(plan, p, appDerived, 1000, out)].flatMap((b) => b.tasks);
      return { users: plan.users.map((u) => `${u.id} ${u.name} ${u.role}`), tasks: rows.map((t) => `${t.id} ${t.title} ${t.status} ${t.rank}`) };
    };
    const a = titles("alpha");
    expect(titles("alpha")).toEqual(a);
    expect(titles("beta").tasks).not.toEqual(a.tasks);
    expect(a.tasks.some((t) => /[\u4e00-\u9fff]/.test(t))).toBe(true);
    expect(a.tasks.some((t) => /[A-Za-z]{4} /.test(t.split(" ").slice(1).join(" ")))).toBe(true);
  });

  it.runIf(testMode === "postgres")("runs the approvals scenario: distinct approvers decide, and every answered decision is stored", { timeout: 180_000 }, async () => {
    const options = parseOptions(["--scenario", "approvals", "--tier", "tiny", "--connections", "4", "--duration", "2", "--warmup", "1", "--rate", "100", ...modeArgs]);
    const report = await runBench(options);
    const phase = report.phases.find((p) => p.name === "approvals")!;
    expect(phase.overall.requests).toBeGreaterThan(0);
    expect(phase.overall.errors, JSON.stringify(phase.actions.flatMap((a) => a.errorSamples ?? []))).toBe(0);
    expect(phase.usage.servers[0]!.rssMbMax).toBeGreaterThan(0);
    expect(report.targets.find((t) => t.target.startsWith("Every successful decision"))?.met).toBe(true);
    expect(report.targets.find((t) => t.target.startsWith("PostgreSQL, 1 node, 32 concurrent approvers"))?.measured).toMatch(/decisions\/s/);
    // The work the decisions caused was followed to its end and counted.
    const drain = report.approvalDrain!;
    expect(drain.sustainedPerSecond).toBeGreaterThan(0);
    expect(drain.sustainedPerSecond).toBeLessThanOrEqual(phase.overall.rps);
    expect(drain.cpuMsPerDecision.server).toBeGreaterThanOrEqual(phase.cpuMsPerRequest.server);
    // The paced phase starts exactly the decisions its schedule holds (100/s for 2 s), however
    // late the answers, and its target line reports on it.
    const paced = report.phases.find((p) => p.name === "approvals_paced")!;
    expect(paced.overall.requests).toBe(200);
    expect(paced.overall.errors, JSON.stringify(paced.actions.flatMap((a) => a.errorSamples ?? []))).toBe(0);
    expect(report.pacedApprovalDrain!.sustainedPerSecond).toBeGreaterThan(0);
    const pacedTarget = report.targets.find((t) => t.target.includes("deciding 500 approve actions/s between them"))!;
    expect(pacedTarget.measured).toMatch(/^\d+(\.\d+)? decisions\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, 0 errors; jobs left at the end: \d+/);
    expect(pacedTarget.note).toMatch(/rate 100\/s, target is 500\/s/);
  });

  it.runIf(testMode === "postgres")("runs the outbox scenario: the relay and its consumer jobs drain the whole backlog", { timeout: 300_000 }, async () => {
    const options = parseOptions(["--scenario", "outbox", "--tier", "tiny", "--events", "2000", ...modeArgs]);
    const report = await runBench(options);
    const x = report.outbox!;
    expect(x.backlog).toBe(2000);
    expect(x.publishedBeforeWindow + x.observedEvents).toBeGreaterThanOrEqual(2000);
    expect(x.failedJobs).toBe(0);
    expect(x.usage.servers[0]!.rssMbMax).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.target)).toContain("Outbox relay sustains >= 2,000 events/s (1 node)");
  });

  it.runIf(testMode === "postgres")("runs the websocket scenario: every client gets every update, idle sockets are held", { timeout: 180_000 }, async () => {
    const options = parseOptions(["--scenario", "websocket", "--clients", "20", "--idle", "50", "--duration", "2", ...modeArgs]);
    const report = await runBench(options);
    const ws = report.websocket!;
    expect(ws.fanOut.clients).toBe(20);
    expect(ws.fanOut.updates).toBeGreaterThan(0);
    expect(ws.fanOut.missed).toBe(0);
    expect(ws.fanOut.deliveries).toBe(ws.fanOut.clients * ws.fanOut.updates);
    expect(ws.fanOut.p99).toBeGreaterThanOrEqual(ws.fanOut.p50);
    expect(ws.idle?.sockets).toBe(50);
    expect(ws.idle?.serverRssMbIdle).toBeGreaterThan(0);
  });

  it("refuses an unknown scenario with a usage error naming the ones there are", { timeout: 60_000 }, async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--scenario", "everything"], { cwd: repoRoot }).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain("--scenario must be one of mix, ceiling, list-board, approvals, websocket, outbox, planning");
  });
});
