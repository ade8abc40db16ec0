import type { Actor } from "../../../platform/actor.js";
import { notFound } from "../../../platform/errors.js";
import { hashSecret, newId, newSecret } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { appendAudit } from "../../audit/repository.js";
import type { OrgsService } from "../../orgs/service.js";
import type { ProjectsService } from "../../projects/service.js";
import { statusOf } from "../../projects/workflow.js";
import { addDays } from "../calendar/workdays.js";
import { buildCalendar } from "./format.js";
import { feedsRepo, type FeedRow, type FeedTaskRow } from "./repository.js";

// What a feed shows: from half a year back to two years ahead.
const PAST_DAYS = 183;
const FUTURE_DAYS = 731;

/** Secret iCalendar feed URLs per person and per project (RFC 5545), for calendar apps that cannot sign in. */
export class CalendarFeedsService {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
    private readonly projects: ProjectsService,
  ) {}

  private toFeed(f: FeedRow, token?: string) {
    return {
      id: f.id,
      orgId: f.org_id,
      projectId: f.project_id,
      name: f.name,
      createdAt: f.created_at,
      lastUsedAt: f.last_used_at,
      ...(token ? { token, url: `${this.p.config.publicUrl.replace(/\/$/, "")}/api/v1/ical?token=${token}` } : {}),
    };
  }

  /** The URL holds the secret: it is shown once, here. */
  async create(actor: Actor, orgId: string, input: { projectId?: string }) {
    await this.orgs.authorize(actor, orgId, "org.read");
    let name = "Plinth · my tasks";
    if (input.projectId !== undefined) {
      const { project } = await this.projects.access(actor, input.projectId);
      if (project.org_id !== orgId) throw notFound("Project");
      name = `Plinth · ${project.name}`;
    }
    const token = newSecret("plf");
    return this.p.db.tx(async (tx) => {
      const row = await feedsRepo.insert(tx, { id: newId(), orgId, userId: actor.userId, projectId: input.projectId ?? null, name, tokenHash: hashSecret(token) });
      await appendAudit(tx, actor, { orgId, action: "calendar_feed.create", targetType: "calendar_feed", targetId: row.id, changes: { projectId: row.project_id } });
      return this.toFeed(row, token);
    });
  }

  async list(actor: Actor, orgId: string) {
    await this.orgs.authorize(actor, orgId, "org.read");
    return { items: (await feedsRepo.mine(this.p.db.readFor(actor), orgId, actor.userId)).map((f) => this.toFeed(f)), nextCursor: null };
  }

  async remove(actor: Actor, orgId: string, feedId: string): Promise<void> {
    await this.orgs.authorize(actor, orgId, "org.read");
    await this.p.db.tx(async (tx) => {
      if (!(await feedsRepo.remove(tx, orgId, actor.userId, feedId))) throw notFound("Calendar feed");
      await appendAudit(tx, actor, { orgId, action: "calendar_feed.delete", targetType: "calendar_feed", targetId: feedId, changes: {} });
    });
  }

  /**
   * The feed's text, seen with its owner's current rights: a feed of a project
   * they can no longer see, or of an org they left, is gone (404 like an unknown token).
   */
  async render(token: string, now = new Date()): Promise<string> {
    const feed = await feedsRepo.open(this.p.db, hashSecret(token));
    if (!feed) throw notFound("Calendar feed");
    const owner: Actor = { userId: feed.user_id, isInstanceAdmin: false, ip: "feed", requestId: `feed:${feed.id}` };
    const role = await this.orgs.roleIn(feed.org_id, feed.user_id).catch(() => undefined);
    if (!role) throw notFound("Calendar feed");
    const today = now.toISOString().slice(0, 10);
    const [from, to] = [addDays(today, -PAST_DAYS), addDays(today, FUTURE_DAYS)];
    let rows: FeedTaskRow[];
    if (feed.project_id !== null) {
      const access = await this.projects.access(owner, feed.project_id).catch(() => undefined);
      if (!access) throw notFound("Calendar feed");
      rows = await feedsRepo.projectTasks(this.p.db.read, feed.project_id, from, to);
    } else {
      rows = await feedsRepo.assignedTasks(this.p.db.read, feed.user_id, from, to, feed.org_id, role === "guest");
    }
    const host = new URL(this.p.config.publicUrl).host;
    const entries = rows.map((r) => {
      const status = statusOf(r.workflow, r.status);
      return {
        id: r.id,
        key: r.key,
        title: r.title,
        status: r.status,
        statusName: status?.name ?? r.status,
        priority: r.priority,
        projectName: r.project_name,
        dueDate: r.due_date,
        startDate: r.start_date,
        milestone: r.milestone,
        done: status?.category === "done",
        updatedAt: r.updated_at,
      };
    });
    return buildCalendar(feed.name, entries, now.toISOString(), host);
  }
}
