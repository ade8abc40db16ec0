import { connect, type Socket } from "node:net";
import WebSocket from "ws";

/** A message as Plinth sends it on /api/v1/events: an event, or a `stream.*` notice. */
export interface StreamMessage {
  id?: string;
  type: string;
  orgId?: string | null;
  projectId?: string;
  data: Record<string, unknown>;
  at?: string;
}

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A real WebSocket client of /api/v1/events that records everything it receives. */
export class EventClient {
  readonly messages: StreamMessage[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (raw: Buffer) => this.messages.push(JSON.parse(raw.toString("utf8")) as StreamMessage));
    ws.on("close", (code: number) => (this.closeCode = code));
  }

  /** Opens and waits for `stream.ready` (missed events, if any, have arrived by then). */
  static async open(origin: string, query: Record<string, string>, headers: Record<string, string> = {}): Promise<EventClient> {
    const url = `${origin.replace(/^http/, "ws")}/api/v1/events?${new URLSearchParams(query).toString()}`;
    const ws = new WebSocket(url, { headers });
    const client = new EventClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    });
    await until("stream.ready", () => client.messages.some((m) => m.type === "stream.ready"));
    return client;
  }

  /** Events only (no `stream.*` notices). */
  get events(): StreamMessage[] {
    return this.messages.filter((m) => !m.type.startsWith("stream."));
  }

  async waitFor(what: string, pred: (m: StreamMessage) => boolean, ms?: number): Promise<StreamMessage> {
    await until(what, () => this.messages.some(pred), ms);
    return this.messages.find(pred)!;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once("close", () => resolve()));
    this.ws.close();
    await closed;
  }
}

/** The status line and body the server answers a handshake it refuses with. */
export async function refusedHandshake(origin: string, query: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = `${origin.replace(/^http/, "ws")}/api/v1/events?${new URLSearchParams(query).toString()}`;
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the handshake was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", reject);
  });
}

/** A client that completes the handshake and then stops reading: the server's buffer for it fills. */
export async function stalledClient(port: number, token: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.write(
    `GET /api/v1/events?token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  let head = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      head += c.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) reject(new Error(`handshake answered ${head.split("\r\n")[0]}`));
      else resolve();
    };
    socket.on("data", onData);
  });
  socket.pause();
  socket.on("error", () => undefined);
  return socket;
}
