import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import type { WebSocketUpgrades } from "../../http/websocket.js";
import { DomainError, forbidden } from "../../platform/errors.js";
import { EventsHandshake, EventsQuery } from "./schemas.js";
import type { RealtimeService } from "./service.js";

/**
 * A cookie rides along with any page's request, so a cookie-authenticated handshake must come
 * from an allowed origin (cross-site WebSocket hijacking). Clients without an Origin header are
 * not browsers; a `?token=` or Bearer token is never sent by a browser on its own.
 */
function assertOriginAllowed(origin: string | undefined, allowed: readonly string[]): void {
  if (origin !== undefined && !allowed.includes(origin)) throw forbidden(`Origin ${origin} may not open this stream with the session cookie`);
}

export function registerRealtimeRoutes(app: App, realtime: RealtimeService, upgrades: WebSocketUpgrades, allowedOrigins: readonly string[]): void {
  app.get(
    "/api/v1/events",
    {
      config: { tokenInQuery: true },
      schema: {
        tags: ["notifications"],
        summary: "Real-time events (WebSocket)",
        description:
          "Open as a WebSocket. Authenticate with `?token=`, a Bearer header or the session cookie (from an allowed Origin). " +
          "Sends every event the user may see; after a reconnect pass `lastEventId` to receive the ones missed meanwhile. " +
          "The server pings every PLINTH_WS_HEARTBEAT_MS; clients that fall behind by PLINTH_WS_MAX_BUFFERED_BYTES are closed with 4008.",
        querystring: EventsQuery,
        security: [{ bearer: [] }, { cookie: [] }, { queryToken: [] }],
        response: { 101: EventsHandshake, ...errorResponses(403, 426) },
      },
    },
    async (req, reply) => {
      if (!upgrades.isUpgrade(req)) throw new DomainError("upgrade_required", "Open this URL as a WebSocket (Upgrade: websocket)", { headers: { upgrade: "websocket" } });
      const actor = actorOf(req);
      if (req.authSource === "cookie") assertOriginAllowed(req.headers.origin, allowedOrigins);
      const resume = await realtime.resumePoint(req.query.lastEventId);
      const socket = await upgrades.accept(req, reply);
      if (socket) await realtime.open(socket, actor, req.authToken!, resume);
    },
  );
}
