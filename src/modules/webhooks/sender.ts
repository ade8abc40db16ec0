import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import { refusal, type AllowList } from "../../platform/addresses.js";
import { ALLOW_HINT, literalAddressRefusal } from "./target.js";

/** One HTTP POST as a format renders it. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendOutcome =
  | { kind: "response"; statusCode: number; body: string; durationMs: number }
  /** Refused before connecting: the address is loopback, private, link-local... */
  | { kind: "blocked"; error: string; durationMs: number }
  | { kind: "error"; error: string; durationMs: number };

/** At most this much of a response is read: receivers cannot make us buffer without limit. */
const RESPONSE_CAP_BYTES = 64 * 1024;

class BlockedAddressError extends Error {}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Sends webhook requests with undici. Every connection goes through a DNS lookup that refuses
 * special-purpose addresses and hands the socket the very address it checked, so a name that
 * resolves differently a moment later (DNS rebinding) cannot slip through. Redirects are never
 * followed; each attempt has one time limit covering connect, headers and body.
 */
export class WebhookSender {
  private readonly agent: Agent;
  /** Set at shutdown: attempts cut short then are not the receiver's fault. */
  closed = false;

  constructor(
    private readonly allow: AllowList,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({
      connect: { timeout: timeoutMs, lookup: this.guardedLookup },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 4_000,
      connections: 16,
    });
  }

  private readonly guardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, ...(options.family !== undefined ? { family: options.family } : {}), ...(options.hints !== undefined ? { hints: options.hints } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`could not resolve ${hostname}`), { code: "ENOTFOUND" }), []);
      const why = addresses.map((a) => refusal(this.allow, hostname, a.address)).find((w) => w !== undefined);
      if (why) return callback(new BlockedAddressError(`${why}; ${ALLOW_HINT}`), []);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };

  async send(req: OutboundRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(req.url);
    const literal = literalAddressRefusal(url, this.allow);
    if (literal) return { kind: "blocked", error: literal, durationMs: 0 };
    try {
      const res = await request(url, {
        method: "POST",
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = await readCapped(res.body);
      return { kind: "response", statusCode: res.statusCode, body, durationMs: elapsed() };
    } catch (err) {
      if (err instanceof BlockedAddressError) return { kind: "blocked", error: err.message, durationMs: elapsed() };
      return { kind: "error", error: this.describe(err, url), durationMs: elapsed() };
    }
  }

  private describe(err: unknown, url: URL): string {
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === "TimeoutError" || e.name === "AbortError" || /TIMEOUT/.test(e.code ?? "")) return `timed out after ${this.timeoutMs} ms`;
    if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `could not resolve ${url.hostname}`;
    if (e.code === "ECONNREFUSED") return "connection refused";
    if (e.code === "ECONNRESET" || e.code === "UND_ERR_SOCKET") return "connection closed by the receiver";
    return [e.code, e.message].filter(Boolean).join(": ") || "request failed";
  }

  /** Drops open connections and aborts requests in flight (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.agent.destroy();
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream, and the connection with it.
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_CAP_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_CAP_BYTES).toString("utf8");
}
