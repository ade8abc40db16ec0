import type { Registry } from "prom-client";
import type { WebSocket } from "ws";
import type { Actor } from "../../platform/actor.js";
import type { Platform } from "../../platform/index.js";
import type { AuthService } from "../auth/service.js";
import type { OrgsService } from "../orgs/service.js";
import type { ProjectsService } from "../projects/service.js";
import { RealtimeHub } from "./hub.js";
import { replayRepo } from "./repository.js";
import { EventStream, HubEvent, type StreamNotice } from "./stream.js";
import { Viewer, type AccessSource } from "./viewer.js";

/** Where a client resumes: after a known event, from now (no lastEventId), or from now with a resync notice. */
export type ResumePoint = { afterSeq: string; lastEventId: string } | { unknownId: string } | undefined;

// A client that missed more than this refetches instead (it is told to).
const REPLAY_LIMIT = 5_000;
// Permission changes that no event announces (a cache the writer could not reach) apply within this.
const VIEWER_TTL_MS = 30_000;

/** Real-time events for signed-in users: resume points, replay, and the live fan-out. */
export class RealtimeService {
  readonly hub: RealtimeHub;
  private readonly access: AccessSource;

  constructor(
    private readonly p: Platform,
    private readonly auth: AuthService,
    orgs: OrgsService,
    projects: ProjectsService,
  ) {
    this.hub = new RealtimeHub(p.log, p.config.wsHeartbeatMs);
    this.access = {
      orgRolesOf: async (userId) => new Map((await orgs.membershipsOf(userId)).map((m) => [m.id, m.role])),
      projectRoleOf: (userId, projectId) => projects.roleOf(userId, projectId),
    };
  }

  start(): Promise<void> {
    return this.hub.start(this.p.bus);
  }

  registerMetrics(registry: Registry): void {
    this.hub.registerMetrics(registry);
  }

  close(): Promise<void> {
    return this.hub.close();
  }

  async resumePoint(lastEventId: string | undefined): Promise<ResumePoint> {
    if (lastEventId === undefined) return undefined;
    const afterSeq = await replayRepo.pubSeqOf(this.p.db, lastEventId);
    return afterSeq === undefined ? { unknownId: lastEventId } : { afterSeq, lastEventId };
  }

  /** Serves one upgraded socket until it closes: missed events first, then live ones. */
  async open(socket: WebSocket, actor: Actor, token: string, resume: ResumePoint): Promise<void> {
    const viewer = new Viewer(actor.userId, this.access, VIEWER_TTL_MS);
    const stream = new EventStream(socket, viewer, {
      maxBufferedBytes: this.p.config.wsMaxBufferedBytes,
      stillAuthenticated: async () => (await this.auth.authenticate(token))?.userId === actor.userId,
      onDrop: (reason) => this.hub.countDrop(reason),
      onError: (err) => this.p.log.warn({ err, userId: actor.userId }, "websocket stream failed"),
    });
    // Clients send nothing; a message is a protocol misuse, not a reason to buffer.
    socket.on("message", () => undefined);
    socket.on("error", () => socket.terminate());
    // Live events are held from here on, so none falls between the replay and the live feed.
    this.hub.add(stream);
    try {
      await viewer.refresh();
      const notices: StreamNotice[] = [];
      let replayed: HubEvent[] = [];
      if (resume && "unknownId" in resume) {
        notices.push({ type: "stream.resync", data: { reason: "last_event_unknown", lastEventId: resume.unknownId } });
      } else if (resume) {
        const rows = await replayRepo.after(this.p.db, resume.afterSeq, viewer.orgIds, REPLAY_LIMIT + 1);
        if (rows.length > REPLAY_LIMIT) {
          notices.push({ type: "stream.resync", data: { reason: "too_many_missed", lastEventId: resume.lastEventId } });
        } else {
          replayed = merged(rows.map((e) => new HubEvent(e)), this.hub.recentAfter(BigInt(resume.afterSeq)));
        }
      }
      stream.begin(replayed, notices);
    } catch (err) {
      this.p.log.warn({ err, userId: actor.userId }, "websocket replay failed");
      stream.markClosed();
      socket.close(1011, "try again");
    }
  }
}

/** Both lists ascending by seq; the union, ascending, each seq once. */
function merged(a: HubEvent[], b: HubEvent[]): HubEvent[] {
  const bySeq = new Map<bigint, HubEvent>();
  for (const h of [...a, ...b]) if (!bySeq.has(h.seq)) bySeq.set(h.seq, h);
  return [...bySeq.values()].sort((x, y) => (x.seq < y.seq ? -1 : x.seq > y.seq ? 1 : 0));
}
