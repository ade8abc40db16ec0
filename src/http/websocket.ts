import { ServerResponse, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import type { App } from "./types.js";

// WebSocket handshakes go through Fastify's own routing, hooks and schemas (authentication,
// query validation, problem+json refusals) before anything is upgraded: the upgrade request is
// dispatched as an ordinary request whose response is written on the raw socket.

const UPGRADE = Symbol("plinth.upgrade");

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

type UpgradeRequest = IncomingMessage & { [UPGRADE]?: PendingUpgrade };

export interface WebSocketUpgrades {
  /** Whether this request asks for a WebSocket (a plain GET does not). */
  isUpgrade(req: FastifyRequest): boolean;
  /**
   * Completes the handshake; Fastify no longer answers this request. Undefined when the
   * handshake headers were malformed (the client got a 400).
   */
  accept(req: FastifyRequest, reply: FastifyReply): Promise<WebSocket | undefined>;
}

function refuseRaw(socket: Duplex, status: number, reason: string, detail: string): void {
  const body = JSON.stringify({ type: "https://plinth.dev/problems/bad-request", title: reason, status, detail, code: "bad_request" });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Listens for upgrade requests on the app's server; `maxPayload` bounds what a client may send. */
export function registerWebSocketUpgrades(app: App, opts: { maxPayload: number }): WebSocketUpgrades {
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: false });
  const refused = new WeakMap<IncomingMessage, () => void>();
  wss.on("wsClientError", (err: Error, socket: Duplex, req: IncomingMessage) => {
    refuseRaw(socket, 400, "Bad Request", `Invalid WebSocket handshake: ${err.message}`);
    refused.get(req)?.();
  });
  app.server.on("upgrade", (raw: UpgradeRequest, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    // Only a GET can be a handshake, and a GET has no body for the router to wait for.
    if (raw.method !== "GET") {
      refuseRaw(socket, 400, "Bad Request", "Only GET requests can be upgraded to a WebSocket");
      return;
    }
    raw[UPGRADE] = { socket, head };
    const res = new ServerResponse(raw);
    res.assignSocket(socket as never);
    // Whatever answer the router writes (401, 404, ...), the socket is done afterwards.
    res.on("finish", () => socket.destroy());
    app.routing(raw, res);
  });

  return {
    isUpgrade: (req) => (req.raw as UpgradeRequest)[UPGRADE] !== undefined,
    accept: (req, reply) => {
      const pending = (req.raw as UpgradeRequest)[UPGRADE];
      if (!pending) return Promise.reject(new Error("not an upgrade request"));
      void reply.hijack();
      return new Promise((resolve) => {
        refused.set(req.raw, () => resolve(undefined));
        wss.handleUpgrade(req.raw, pending.socket, pending.head, resolve);
      });
    },
  };
}
