import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Platform } from "../platform/index.js";
import { DomainError, invalid } from "../platform/errors.js";
import { idempotencyStore } from "../platform/idempotency.js";
import type { App } from "./types.js";

const HEADER = "idempotency-key";
/** How long a duplicate waits for the first attempt's outcome: past a dead node's heartbeat timeout. */
const WAIT_FOR_OUTCOME_MS = 8000;
const POLL_MS = 100;

/** Per request: the Idempotency-Key it claimed, for the transactions that commit its effect. */
const claimScope = new AsyncLocalStorage<{ claim?: { scope: string; key: string } }>();

/**
 * Idempotency-Key on POST (API.md): same key + same body within 24 h replays the
 * first response; a different body is 422; a duplicate still running is 409.
 */
export function registerIdempotency(app: App, platform: Pick<Platform, "db" | "nodeId" | "beforeCommit">): void {
  const { db, nodeId } = platform;
  app.decorateRequest("idempotency", null);
  // The request's claim travels with its async context down to the services' transactions.
  app.addHook("onRequest", (_req, _reply, done) => {
    claimScope.run({}, done);
  });
  platform.beforeCommit(async (tx) => {
    const here = claimScope.getStore();
    // Every transaction of the request marks (not just the first): a rolled-back one marks nothing.
    if (here?.claim) idempotencyStore.markEffect(tx, here.claim.scope, here.claim.key);
  });

  app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== "POST") return;
    const raw = req.headers[HEADER];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] ?? "" : raw;
    if (key.length < 1 || key.length > 255) throw invalid("header.idempotency-key", "must be 1 to 255 characters");
    const scope = req.actor ? `user:${req.actor.userId}` : `anon:${req.ip}`;
    const requestHash = createHash("sha256")
      .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
      .digest("hex");
    const claimed = async () => {
      req.idempotency = { scope, key };
      const here = claimScope.getStore();
      if (here) here.claim = { scope, key };
    };
    if (await idempotencyStore.claim(db, scope, key, requestHash, nodeId)) return claimed();
    // A duplicate of a request still running (a client retry racing its own first attempt, or
    // a retry after the node serving it died) waits for the outcome instead of failing.
    const deadline = Date.now() + WAIT_FOR_OUTCOME_MS;
    for (;;) {
      const prior = await idempotencyStore.get(db, scope, key);
      if (!prior) {
        // Released (the first attempt failed with a 5xx): this one runs it.
        if (await idempotencyStore.claim(db, scope, key, requestHash, nodeId)) return claimed();
        continue;
      }
      if (prior.request_hash !== requestHash) {
        throw new DomainError("idempotency_key_reused", "This Idempotency-Key was used with a different request");
      }
      if (prior.state === "done" && prior.status_code !== null) {
        return reply
          .code(prior.status_code)
          .header("idempotent-replayed", "true")
          .type(prior.response_type ?? "application/json")
          .send(prior.response_body ?? "");
      }
      if (prior.holder_dead) {
        // The node serving it died before anything committed: this retry runs it instead.
        if (!prior.effect_committed && (await idempotencyStore.takeOver(db, scope, key, requestHash, nodeId))) return claimed();
        if (prior.effect_committed) {
          throw new DomainError("idempotency_applied", "The request was applied but the node serving it stopped before answering; read the resource instead of retrying");
        }
      }
      if (Date.now() > deadline) {
        void reply.header("retry-after", "1");
        throw new DomainError("idempotency_in_flight", "The same request is still in progress; retry shortly");
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });

  app.addHook("onSend", async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const idem = req.idempotency;
    if (!idem) return payload;
    req.idempotency = null;
    if (reply.statusCode >= 500) {
      await idempotencyStore.release(db, idem.scope, idem.key);
    } else {
      const body = typeof payload === "string" ? payload : payload === null || payload === undefined ? "" : JSON.stringify(payload);
      const type = String(reply.getHeader("content-type") ?? "application/json");
      await idempotencyStore.complete(db, idem.scope, idem.key, reply.statusCode, body, type);
    }
    return payload;
  });
}
