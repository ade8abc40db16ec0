import type { Actor } from "../../platform/actor.js";
import { decodeCursor, pageOf } from "../../platform/cursor.js";
import type { Queryable } from "../../platform/db/index.js";
import { DomainError, notFound, type FieldError } from "../../platform/errors.js";
import { newId } from "../../platform/ids.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import type { OrgsService } from "../orgs/service.js";
import { DEFAULT_SETTINGS, type FlowDefinition, type FlowNode, type FlowSettings } from "./engine/definition.js";
import { validateDefinition } from "./engine/validate.js";
import { assertApprovalCan } from "./policy.js";
import { flowsRepo, orgDirectory, type FlowRow } from "./repository.js";
import { flowView } from "./view.js";

// Flow definitions: a key with immutable versions. PUT saves the next version;
// running instances stay on the one they started with.

export interface FlowInput {
  key?: string;
  name: string;
  settings?: Partial<FlowSettings>;
  nodes: FlowNode[];
}

const CACHE_SIZE = 500;

export class FlowCatalog {
  /** Versions never change, so a definition is cached by its id for as long as we like. */
  private readonly definitions = new Map<string, FlowDefinition>();

  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {}

  async create(actor: Actor, orgId: string, input: FlowInput & { key: string }) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "flows.manage");
    const definition = await this.checked(orgId, input);
    return this.p.db.tx(async (tx) => {
      if (!(await flowsRepo.insertKey(tx, orgId, input.key))) throw new DomainError("flow_key_taken", `An approval flow "${input.key}" already exists; PUT a new version instead`);
      const id = newId();
      await flowsRepo.insertVersion(tx, { id, orgId, key: input.key, version: 1, name: input.name.trim(), definition, createdBy: actor.userId });
      await appendAudit(tx, actor, { orgId, action: "approval_flow.create", targetType: "approval_flow", targetId: id, changes: { key: input.key, version: 1 } });
      await emitEvents(tx, actor.userId, [{ type: "approval_flow.created", orgId, data: { id, key: input.key, version: 1 } }]);
      return flowView((await flowsRepo.get(tx, orgId, input.key, 1))!);
    });
  }

  async update(actor: Actor, orgId: string, key: string, input: FlowInput) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "flows.manage");
    if (input.key !== undefined && input.key !== key) throw new DomainError("unprocessable", "The key in the body differs from the key in the path", { errors: [{ path: "body.key", message: `must be "${key}" or left out` }] });
    const definition = await this.checked(orgId, input);
    return this.p.db.tx(async (tx) => {
      const next = await flowsRepo.nextVersion(tx, orgId, key);
      if (!next) throw notFound("Approval flow");
      if (next.archived) throw new DomainError("flow_archived", `The approval flow "${key}" is archived; restore it first`);
      const id = newId();
      await flowsRepo.insertVersion(tx, { id, orgId, key, version: next.version, name: input.name.trim(), definition, createdBy: actor.userId });
      await appendAudit(tx, actor, { orgId, action: "approval_flow.update", targetType: "approval_flow", targetId: id, changes: { key, version: next.version } });
      await emitEvents(tx, actor.userId, [{ type: "approval_flow.updated", orgId, data: { id, key, version: next.version } }]);
      return flowView((await flowsRepo.get(tx, orgId, key, next.version))!);
    });
  }

  async get(actor: Actor, orgId: string, key: string, version?: number) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "flows.read");
    const row = await flowsRepo.get(this.p.db, orgId, key, version);
    if (!row) throw notFound("Approval flow");
    return flowView(row);
  }

  async list(actor: Actor, orgId: string, q: { limit: number; cursor?: string; archived?: boolean }) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "flows.read");
    const c = decodeCursor(q.cursor, 1);
    const rows = await flowsRepo.page(this.p.db, orgId, q.archived ?? false, c ? String(c[0]) : null, q.limit + 1);
    return pageOf(rows, q.limit, (r) => [r.key], flowView);
  }

  async setArchived(actor: Actor, orgId: string, key: string, archived: boolean) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "flows.manage");
    return this.p.db.tx(async (tx) => {
      if (!(await flowsRepo.setArchived(tx, orgId, key, archived))) throw notFound("Approval flow");
      const action = archived ? "archive" : "restore";
      await appendAudit(tx, actor, { orgId, action: `approval_flow.${action}`, targetType: "approval_flow", targetId: key, changes: { archived } });
      await emitEvents(tx, actor.userId, [{ type: `approval_flow.${archived ? "archived" : "restored"}`, orgId, data: { key } }]);
      return flowView((await flowsRepo.get(tx, orgId, key))!);
    });
  }

  /** The latest version to start an instance on: 404 when unknown, 409 when archived. */
  async forStart(q: Queryable, orgId: string, key: string): Promise<FlowRow> {
    const row = await flowsRepo.get(q, orgId, key);
    if (!row) throw notFound("Approval flow");
    if (row.archived_at) throw new DomainError("flow_archived", `The approval flow "${key}" is archived`);
    this.remember(row.id, row.definition);
    return row;
  }

  async definition(q: Queryable, flowId: string): Promise<FlowDefinition> {
    const cached = this.definitions.get(flowId);
    if (cached) return cached;
    const row = await flowsRepo.byId(q, flowId);
    if (!row) throw notFound("Approval flow");
    this.remember(row.id, row.definition);
    return row.definition;
  }

  private remember(id: string, def: FlowDefinition): void {
    if (this.definitions.size >= CACHE_SIZE) this.definitions.delete(this.definitions.keys().next().value!);
    this.definitions.set(id, def);
  }

  /** Fills in default settings and refuses an invalid graph (422, the node named in the path). */
  private async checked(orgId: string, input: FlowInput): Promise<FlowDefinition> {
    const definition: FlowDefinition = { settings: { ...DEFAULT_SETTINGS, ...(input.settings ?? {}) }, nodes: input.nodes };
    const errors: FieldError[] = validateDefinition(definition);
    if (errors.length === 0) {
      const dir = orgDirectory(this.p.db, orgId);
      for (const node of definition.nodes) {
        if (node.type === "branch") continue;
        for (const [i, rule] of node.approvers.entries()) {
          if (rule.type === "user" && !(await dir.isMember(rule.userId))) {
            errors.push({ path: `body.nodes.${node.id}.approvers.${i}.userId`, message: `node "${node.id}" names a user who is not a member of this organization` });
          }
        }
      }
    }
    if (errors.length > 0) throw new DomainError("invalid_flow", errors.map((e) => e.message).join("; "), { errors });
    return definition;
  }
}
