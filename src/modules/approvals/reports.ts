import type { Actor } from "../../platform/actor.js";
import { invalid } from "../../platform/errors.js";
import type { Platform } from "../../platform/index.js";
import type { OrgsService } from "../orgs/service.js";
import { assertApprovalCan } from "./policy.js";
import { approvalsReport } from "./repository.js";

const inRange = (d: Date): boolean => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999;

/** Approval efficiency per flow: how many, how they ended, and how long they took. */
export class ApprovalReports {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {}

  async report(actor: Actor, orgId: string, q: { from: string; to: string }) {
    assertApprovalCan(await this.orgs.roleIn(orgId, actor.userId), "reports.read");
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!inRange(from)) throw invalid("query.from", "must be a date between 1970 and 9999");
    if (!inRange(to)) throw invalid("query.to", "must be a date between 1970 and 9999");
    if (to <= from) throw invalid("query.to", "must be after from");
    const rows = await approvalsReport(this.p.db, orgId, from.toISOString(), to.toISOString());
    return {
      orgId,
      from: from.toISOString(),
      to: to.toISOString(),
      flows: rows.map((r) => ({
        flowKey: r.flow_key,
        started: r.started,
        approved: r.approved,
        rejected: r.rejected,
        withdrawn: r.withdrawn,
        running: r.running,
        p50Seconds: r.p50_seconds,
        p90Seconds: r.p90_seconds,
      })),
    };
  }
}
