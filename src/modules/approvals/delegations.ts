import type { Actor } from "../../platform/actor.js";
import { DomainError, invalid, notFound } from "../../platform/errors.js";
import type { Platform } from "../../platform/index.js";
import { emitEvents } from "../../platform/outbox.js";
import { appendAudit } from "../audit/repository.js";
import { membersRepo } from "../orgs/repository.js";
import type { OrgsService } from "../orgs/service.js";
import { assertApprovalCan } from "./policy.js";
import { delegationsRepo } from "./repository.js";
import { delegationView } from "./view.js";

/** A timestamp PostgreSQL stores as given (years 1970..9999). */
function instant(value: string, path: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) throw invalid(path, "must be a time between 1970 and 9999");
  return d.toISOString();
}

/**
 * Delegation while away: between startsAt and endsAt, approval tasks resolved for
 * the user go to the delegate, who acts on their behalf (one hop, never chained:
 * see engine/resolve.ts planSlots).
 */
export class DelegationService {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
    private readonly now: () => string,
  ) {}

  async put(actor: Actor, orgId: string, input: { delegateId: string; startsAt: string; endsAt: string }) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "delegation.manage");
    if (input.delegateId === actor.userId) throw invalid("body.delegateId", "cannot be yourself");
    const startsAt = instant(input.startsAt, "body.startsAt");
    const endsAt = instant(input.endsAt, "body.endsAt");
    if (endsAt <= startsAt) throw invalid("body.endsAt", "must be after startsAt");
    return this.p.db.tx(async (tx) => {
      if (!(await membersRepo.roleOf(tx, orgId, input.delegateId))) {
        throw new DomainError("not_org_member", "A delegate must be a member of the organization", { errors: [{ path: "body.delegateId", message: "is not a member of this organization" }] });
      }
      const row = await delegationsRepo.put(tx, { orgId, userId: actor.userId, delegateId: input.delegateId, startsAt, endsAt });
      await appendAudit(tx, actor, { orgId, action: "approval.delegation.put", targetType: "user", targetId: actor.userId, changes: { delegateId: input.delegateId, startsAt, endsAt } });
      await emitEvents(tx, actor.userId, [{ type: "approval.delegation.updated", orgId, data: { userId: actor.userId, delegateId: input.delegateId, startsAt, endsAt } }]);
      return { delegation: delegationView(row, this.now()) };
    });
  }

  async get(actor: Actor, orgId: string) {
    await this.orgs.roleIn(orgId, actor.userId);
    const row = await delegationsRepo.get(this.p.db, orgId, actor.userId);
    return { delegation: row ? delegationView(row, this.now()) : null };
  }

  async remove(actor: Actor, orgId: string): Promise<void> {
    await this.orgs.roleIn(orgId, actor.userId);
    await this.p.db.tx(async (tx) => {
      if (!(await delegationsRepo.remove(tx, orgId, actor.userId))) throw notFound("Delegation");
      await appendAudit(tx, actor, { orgId, action: "approval.delegation.remove", targetType: "user", targetId: actor.userId });
      await emitEvents(tx, actor.userId, [{ type: "approval.delegation.removed", orgId, data: { userId: actor.userId } }]);
    });
  }
}
