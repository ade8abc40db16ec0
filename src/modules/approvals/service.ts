import type { Registry } from "prom-client";
import type { Actor } from "../../platform/actor.js";
import { decodeCursor, pageOf } from "../../platform/cursor.js";
import type { Queryable, Tx } from "../../platform/db/index.js";
import { DomainError, forbidden, invalid, notFound, type FieldError } from "../../platform/errors.js";
import { isUuid, newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit, type AuditActor } from "../audit/repository.js";
import { atLeast } from "../orgs/policy.js";
import { membersRepo } from "../orgs/repository.js";
import type { OrgsService } from "../orgs/service.js";
import type { ProjectsService } from "../projects/service.js";
import * as actions from "./engine/actions.js";
import { runFrom } from "./engine/advance.js";
import { firstNodeId, nodeById, type FlowDefinition } from "./engine/definition.js";
import { InstanceSession, type EngineContext } from "./engine/session.js";
import type { InstanceRecord, Subject, TimelineEvent } from "./engine/state.js";
import { DelegationService } from "./delegations.js";
import { FlowCatalog } from "./flows.js";
import { instancesRepo, timeoutsRepo, type LockedInstance } from "./instances/repository.js";
import { ApprovalMetrics } from "./metrics.js";
import { assertApprovalCan } from "./policy.js";
import { ApprovalReports } from "./reports.js";
import { boxPage, isParticipant, orgDirectory, type Box } from "./repository.js";
import type { ActionName } from "./schemas.js";
import { boxItemView, instanceView } from "./view.js";

/**
 * Approval instances: start, act, read, timeouts, delegation, reports. Every
 * change to an instance is one transaction that locks its row, runs the engine
 * on the loaded state, and writes the state, timeline, audit and outbox together.
 */

/** Finds the org and project of a subject (the tasks module provides it; it owns the tasks table). */
export type SubjectResolver = (q: Queryable, subject: Subject) => Promise<{ orgId: string; projectId: string | null } | undefined>;

export interface FinishedApproval {
  id: string;
  orgId: string;
  flowKey: string;
  status: "approved" | "rejected" | "withdrawn";
  subject: Subject | null;
  subjectProjectId: string | null;
  initiatorId: string;
  /** The form snapshot: a subject module can keep what it needs there (e.g. the target status). */
  form: Record<string, unknown>;
  actorId: string | null;
  requestId: string;
}

/** Runs inside the transaction that finished the approval; a throw rolls the action back. */
export type FinishedHook = (tx: Tx, approval: FinishedApproval) => Promise<void>;

export interface StartInput {
  flowKey: string;
  title: string;
  form?: Record<string, unknown>;
  subject?: Subject;
  pickedApprovers?: Record<string, string[]>;
}

export interface ActionInput {
  action: ActionName;
  taskId?: string;
  comment?: string;
  toUserId?: string;
  userIds?: string[];
  position?: actions.SignerPosition;
  toNodeId?: string;
  form?: Record<string, unknown>;
}

const MAX_FORM_CHARS = 64 * 1024;
const MAX_FORM_DEPTH = 16;

/** A form is stored as jsonb and read by branch conditions: keep it small and shallow. */
function checkForm(form: Record<string, unknown> | undefined, path: string): void {
  if (form === undefined) return;
  if (JSON.stringify(form).length > MAX_FORM_CHARS) throw invalid(path, `must be at most ${MAX_FORM_CHARS} characters of JSON`);
  const stack: { value: unknown; depth: number }[] = [{ value: form, depth: 1 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.value === null || typeof next.value !== "object") continue;
    if (next.depth > MAX_FORM_DEPTH) throw invalid(path, `must not nest deeper than ${MAX_FORM_DEPTH} levels`);
    for (const child of Object.values(next.value)) stack.push({ value: child, depth: next.depth + 1 });
  }
}

const required = <T>(v: T | undefined, path: string, action: string): T => {
  if (v === undefined) throw invalid(path, `is required for ${action}`);
  return v;
};

export class ApprovalsService {
  readonly flows: FlowCatalog;
  readonly delegations: DelegationService;
  readonly reports: ApprovalReports;
  readonly metrics = new ApprovalMetrics();
  private subjectResolver: SubjectResolver | undefined;
  private readonly finishedHooks: FinishedHook[] = [];
  private clock: () => Date = () => new Date();

  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
    private readonly projects: ProjectsService,
  ) {
    this.flows = new FlowCatalog(p, orgs);
    this.delegations = new DelegationService(p, orgs, () => this.nowIso());
    this.reports = new ApprovalReports(p, orgs);
  }

  useSubjectResolver(fn: SubjectResolver): void {
    this.subjectResolver = fn;
  }

  onFinished(fn: FinishedHook): void {
    this.finishedHooks.push(fn);
  }

  /** Tests move time (urge interval, timeouts); production uses the wall clock. */
  useClock(fn: () => Date): void {
    this.clock = fn;
  }

  registerMetrics(registry: Registry): void {
    this.metrics.registerOn(registry);
  }

  async start(actor: Actor, orgId: string, input: StartInput) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "approvals.start");
    const s = await this.p.db.tx((tx) => this.startIn(tx, actor, orgId, input, undefined));
    this.metrics.record(s, true);
    return this.viewOf(s, []);
  }

  /**
   * Starts an approval inside another module's transaction (a guarded task
   * transition). The caller has authorized the move. `id`, when given, is the new
   * approval's id: the caller can mark its subject (pendingApprovalId) before
   * starting, so that an approval which finishes at once (every node auto-passed)
   * reaches the onFinished hooks with the subject already marked. `projectId`,
   * when known, spares a call to the subject resolver.
   */
  async startForSubject(tx: Tx, actor: Actor, input: StartInput & { orgId: string; subject: Subject; id?: string; projectId?: string | null }) {
    if (input.id !== undefined && !isUuid(input.id)) throw invalid("id", "must be a UUID");
    if (!(await membersRepo.roleOf(tx, input.orgId, actor.userId))) throw notFound("Organization");
    const s = await this.startIn(tx, actor, input.orgId, input, input.projectId, input.id);
    // Counted now: the caller's commit is out of sight.
    this.metrics.record(s, true);
    return this.viewOf(s, []);
  }

  async get(actor: Actor, approvalId: string) {
    const snap = isUuid(approvalId) ? await instancesRepo.snapshot(this.p.db, approvalId) : undefined;
    if (!snap) throw notFound("Approval");
    const inst = snap.instance;
    const role = await membersRepo.roleOf(this.p.db, inst.orgId, actor.userId);
    if (!role) throw notFound("Approval");
    if (inst.initiatorId !== actor.userId && !atLeast(role, "admin") && !(await isParticipant(this.p.db, inst.id, actor.userId))) {
      const readsSubject = inst.subjectProjectId !== null && (await this.projects.access(actor, inst.subjectProjectId).then(() => true, () => false));
      if (!readsSubject) throw forbidden("Only the initiator, approvers, cc recipients, admins and readers of the subject can see this approval");
    }
    return instanceView(inst, snap.runs, snap.tasks, snap.events);
  }

  /** One action: lock, load, check, apply, write. A replayed request id changes nothing. */
  async act(actor: Actor, approvalId: string, input: ActionInput) {
    // Seeing the instance is checked first for comments (it reads outside the transaction).
    if (input.action === "comment") await this.get(actor, approvalId);
    if (!isUuid(approvalId)) throw notFound("Approval");
    const result = await this.p.db.tx(async (tx) => {
      const locked = await instancesRepo.lockForAction(tx, approvalId, actor.userId, actor.requestId, input.action);
      if (!locked?.role) throw notFound("Approval");
      const inst = locked.instance;
      const loaded = await this.load(tx, locked, actor.userId, actor.requestId, this.nowIso());
      if (!locked.claimed) return { ...loaded, replay: true };
      await this.apply(loaded.s, { userId: actor.userId, orgRole: locked.role }, input);
      await this.commit(tx, loaded.s, actor, input.action, inst.revision);
      return { ...loaded, replay: false };
    });
    if (!result.replay) this.metrics.record(result.s, false);
    return this.viewOf(result.s, result.history);
  }

  private async apply(s: InstanceSession, a: actions.Acting, input: ActionInput): Promise<void> {
    const { taskId, comment } = input;
    switch (input.action) {
      case "approve":
        return actions.approve(s, a, { taskId, comment });
      case "reject":
        return actions.reject(s, a, { taskId, comment });
      case "transfer":
        return actions.transfer(s, a, { taskId, comment, toUserId: required(input.toUserId, "body.toUserId", "transfer") });
      case "add_signer":
        return actions.addSigners(s, a, {
          taskId,
          comment,
          userIds: required(input.userIds, "body.userIds", "add_signer"),
          position: required(input.position, "body.position", "add_signer"),
        });
      case "return":
        return actions.returnTo(s, a, { taskId, comment, toNodeId: input.toNodeId });
      case "withdraw":
        return actions.withdraw(s, a, { comment });
      case "resubmit":
        checkForm(input.form, "body.form");
        return actions.resubmit(s, a, { comment, form: input.form });
      case "urge":
        return actions.urge(s, a);
      case "comment":
        return actions.comment(s, a, { comment });
      case "reassign":
        return actions.reassign(s, a, { taskId, comment, toUserId: input.toUserId });
    }
  }

  async myApprovals(actor: Actor, q: { box: Box; orgId?: string; limit: number; cursor?: string }) {
    const c = decodeCursor(q.cursor, 2);
    if (c && !(typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string" && isUuid(c[1]))) throw invalid("query.cursor", "is not a valid cursor");
    const after = c ? { at: String(c[0]), id: String(c[1]) } : null;
    const rows = await boxPage(this.p.db.readFor(actor), q.box, actor.userId, q.orgId ?? null, after, q.limit + 1);
    return pageOf(rows, q.limit, (r) => [r.sort_at, r.sort_id], boxItemView);
  }

  /**
   * Applies every timeout due at `now`, each in its own transaction. A row is
   * claimed with FOR UPDATE SKIP LOCKED and marked fired in the same transaction,
   * so two schedulers (or a job run twice) apply it once; a node already decided
   * makes it a no-op.
   */
  async fireDueTimeouts(now: Date = this.clock(), limit = 500): Promise<{ fired: number; noops: number; failed: number }> {
    const at = now.toISOString();
    const counts = { fired: 0, noops: 0, failed: 0 };
    for (let i = 0; i < limit; i++) {
      let claimed: { id: string; attempts: number } | undefined;
      try {
        const done = await this.p.db.tx(async (tx) => {
          const due = await timeoutsRepo.claimDue(tx, at);
          if (!due) return undefined;
          claimed = { id: due.id, attempts: due.attempts };
          const locked = await instancesRepo.lock(tx, due.instance_id);
          if (!locked) return { outcome: "noop", s: undefined };
          const inst = locked.instance;
          const who: AuditActor = { userId: null, ip: "internal", requestId: `timeout:${due.id}` };
          const { s } = await this.load(tx, locked, null, who.requestId, at);
          const outcome = await actions.applyTimeout(s, due.run_id, due.action);
          if (outcome !== "noop") await this.commit(tx, s, who, `timeout.${due.action}`, inst.revision);
          await timeoutsRepo.markFired(tx, due.id, outcome, at);
          return { outcome, s };
        });
        if (!done) break;
        if (done.outcome === "noop") counts.noops++;
        else {
          counts.fired++;
          if (done.s) this.metrics.record(done.s, false);
        }
      } catch (err) {
        counts.failed++;
        this.p.log.error({ err, timeoutId: claimed?.id }, "approval timeout failed; retrying later");
        if (!claimed) break;
        const retryAt = new Date(now.getTime() + 60_000 * 2 ** Math.min(claimed.attempts, 10)).toISOString();
        await timeoutsRepo.postpone(this.p.db, claimed.id, retryAt).catch(() => undefined);
      }
    }
    return counts;
  }

  private async startIn(tx: Tx, actor: Actor, orgId: string, input: StartInput, knownProjectId: string | null | undefined, id = newId()): Promise<InstanceSession> {
    checkForm(input.form, "body.form");
    const flow = await this.flows.forStart(tx, orgId, input.flowKey);
    let subjectProjectId: string | null = null;
    if (input.subject) {
      if (knownProjectId !== undefined) subjectProjectId = knownProjectId;
      else {
        const found = this.subjectResolver ? await this.subjectResolver(tx, input.subject) : undefined;
        if (!found || found.orgId !== orgId) {
          throw new DomainError("subject_unresolved", `No ${input.subject.type} ${input.subject.id} can be found in this organization`, {
            errors: [{ path: "body.subject.id", message: `is not a ${input.subject.type} of this organization` }],
          });
        }
        subjectProjectId = found.projectId;
      }
    }
    const picked = await this.checkedPicks(tx, orgId, flow.definition, input.pickedApprovers ?? {});
    const now = this.nowIso();
    const instance: InstanceRecord = {
      id,
      orgId,
      flowId: flow.id,
      flowKey: flow.key,
      flowVersion: flow.version,
      title: input.title.trim(),
      initiatorId: actor.userId,
      form: input.form ?? {},
      subject: input.subject ?? null,
      subjectProjectId,
      picked,
      status: "running",
      attempt: 1,
      revision: 0,
      lastSeq: 0,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await instancesRepo.insert(tx, instance);
    const s = new InstanceSession(instance, [], [], flow.definition, this.context(tx, orgId, actor.userId, actor.requestId, now));
    s.emit("instance.started", { data: { flowKey: flow.key, flowVersion: flow.version, title: instance.title } });
    await runFrom(s, firstNodeId(flow.definition));
    await this.commit(tx, s, actor, "start", 0);
    return s;
  }

  /** Picked approvers must name initiator_pick nodes and org members. */
  private async checkedPicks(q: Queryable, orgId: string, def: FlowDefinition, picks: Record<string, string[]>): Promise<Record<string, string[]>> {
    const errors: FieldError[] = [];
    const out: Record<string, string[]> = {};
    const dir = orgDirectory(q, orgId);
    for (const [nodeId, users] of Object.entries(picks)) {
      const node = nodeById(def, nodeId);
      if (!node || node.type === "branch" || !node.approvers.some((r) => r.type === "initiator_pick")) {
        errors.push({ path: `body.pickedApprovers.${nodeId}`, message: "names no node with an initiator_pick rule" });
        continue;
      }
      for (const [i, u] of users.entries()) if (!(await dir.isMember(u))) errors.push({ path: `body.pickedApprovers.${nodeId}.${i}`, message: "is not a member of this organization" });
      out[nodeId] = [...new Set(users)];
    }
    if (errors.length > 0) throw new DomainError("unprocessable", errors.map((e) => `${e.path} ${e.message}`).join("; "), { errors });
    return out;
  }

  private async load(tx: Tx, { instance: inst, state }: LockedInstance, actorId: string | null, requestId: string, now: string) {
    const { runs, tasks, events } = state;
    const def = await this.flows.definition(tx, inst.flowId);
    return { s: new InstanceSession(inst, runs, tasks, def, this.context(tx, inst.orgId, actorId, requestId, now)), history: events };
  }

  /** Writes the session, its audit record, outbox events, and runs the finish hooks (same transaction). */
  private async commit(tx: Tx, s: InstanceSession, who: AuditActor, action: string, expectedRevision: number): Promise<void> {
    const i = s.instance;
    const firstSeq = s.newEvents[0]?.seq ?? null;
    instancesRepo.save(tx, s, expectedRevision);
    await appendAudit(tx, who, {
      orgId: i.orgId,
      action: `approval.${action}`,
      targetType: "approval",
      targetId: i.id,
      changes: { status: i.status, attempt: i.attempt, revision: i.revision, seq: { from: firstSeq, to: i.lastSeq } },
    });
    const projectId = i.subjectProjectId;
    await emitEvents(tx, who.userId, [
      { type: action === "start" ? "approval.created" : "approval.updated", orgId: i.orgId, projectId, data: { id: i.id, action, status: i.status, attempt: i.attempt, revision: i.revision, flowKey: i.flowKey, title: i.title, initiatorId: i.initiatorId } },
      // Notices say enough for a notification without reading approval tables: what, whose, and which action.
      ...s.notices.map((n) => ({ type: n.type, orgId: i.orgId, projectId, data: { ...n.data, title: i.title, initiatorId: i.initiatorId, action } })),
    ]);
    if (s.finishedWith) {
      const finished: FinishedApproval = {
        id: i.id,
        orgId: i.orgId,
        flowKey: i.flowKey,
        status: s.finishedWith as FinishedApproval["status"],
        subject: i.subject,
        subjectProjectId: i.subjectProjectId,
        initiatorId: i.initiatorId,
        form: i.form,
        actorId: who.userId,
        requestId: who.requestId,
      };
      for (const hook of this.finishedHooks) await hook(tx, finished);
    }
  }

  private context(q: Queryable, orgId: string, actorId: string | null, requestId: string, now: string): EngineContext {
    return { now, actorId, requestId, dir: orgDirectory(q, orgId), newId };
  }

  private nowIso(): string {
    return this.clock().toISOString();
  }

  private viewOf(s: InstanceSession, history: TimelineEvent[]) {
    return instanceView(s.instance, s.runs, s.tasks, [...history, ...s.newEvents]);
  }
}
