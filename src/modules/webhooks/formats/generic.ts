import { createHmac } from "node:crypto";
import type { RelayedEvent } from "../../../platform/events/types.js";

// The generic format: the event as JSON, signed like this so receivers can check
// both origin and freshness:
//   X-Plinth-Timestamp: <unix seconds>
//   X-Plinth-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// A receiver recomputes the HMAC over the exact bytes it received, compares in constant
// time, refuses timestamps more than a few minutes old (a captured request cannot be
// replayed later: changing the timestamp breaks the signature), and drops a repeated
// X-Plinth-Delivery id (retries and redeliveries of one delivery share it).

export function genericBody(event: RelayedEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, orgId: event.orgId, projectId: event.projectId, data: event.data, at: event.at });
}

export function genericSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}
