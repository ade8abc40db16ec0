import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logRecord, serverStorage, startServer, type PlinthProcess, type ServerStorage } from "./server-process.js";

// SIGTERM on the real server process: what is already running finishes, nothing
// new gets in, the pools close and the process exits 0. Every step waits on the
// process's output, a socket event or its exit; nothing waits on the clock.

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** A POST whose headers and first half of the body are sent now; `finish()` sends the rest. */
function startPost(port: number, path: string, body: string, requestId: string): { socket: Socket; finish(): void; response: Promise<RawResponse> } {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const socket = connect(port, "127.0.0.1");
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nX-Request-Id: ${requestId}\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, half));
  const response = new Promise<RawResponse>((resolve, reject) => {
    let raw = "";
    const settle = () => {
      const [head = "", rest = ""] = raw.split("\r\n\r\n", 2);
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!head || !(rest.length >= length)) return false;
      resolve({ status: Number(head.split(" ")[1]), head, body: rest.slice(0, length) });
      return true;
    };
    socket.on("data", (d: Buffer) => {
      raw += d.toString("utf8");
      settle();
    });
    socket.on("close", () => settle() || reject(new Error(`connection closed without a full response: ${raw || "(nothing)"}`)));
    socket.on("error", (err) => reject(err));
  });
  return { socket, finish: () => socket.write(bytes.subarray(half)), response };
}

/** A GET on a new connection: its status, or the connection error when the server takes no more. */
function freshGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, headers: { connection: "close", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

const logLine = (match: (r: Record<string, unknown>) => boolean) => (line: string) => {
  const record = logRecord(line);
  return record !== undefined && match(record);
};

let storage: ServerStorage;
beforeAll(async () => {
  storage = await serverStorage();
});
afterAll(async () => storage.cleanup());

describe("plinth serve", () => {
  let server: PlinthProcess & { port: number };

  it("writes its logs as JSON lines carrying the request id", async () => {
    server = await startServer({ ...storage.env, PLINTH_OPEN_SIGNUP: "true" });
    const res = await freshGet(server.port, "/healthz", { "x-request-id": "probe-1" });
    expect(res).toEqual({ status: 200 });
    const done = await server.waitForLine(logLine((r) => r.reqId === "probe-1" && r.msg === "request completed"), "the request log");
    expect(logRecord(done)).toMatchObject({ level: 30, service: "plinth", res: { statusCode: 200 } });
    for (const line of server.stdout.filter((l) => l.startsWith("{"))) expect(() => logRecord(line)).not.toThrow();
  });

  it("on SIGTERM finishes the request in flight, takes no new work, and exits 0", async () => {
    const body = JSON.stringify({ email: "first@example.com", password: "a-long-enough-password", name: "First" });
    const inFlight = startPost(server.port, "/api/v1/auth/signup", body, "in-flight-1");
    await server.waitForLine(logLine((r) => r.reqId === "in-flight-1" && r.msg === "incoming request"), "the in-flight request's start");

    server.child.kill("SIGTERM");
    await server.waitForLine(logLine((r) => r.msg === "draining"), "that it is draining");
    const late = await freshGet(server.port, "/readyz");
    // Depending on how far the close has got: refused, reset, or answered 503 (draining).
    if ("status" in late) expect(late.status).toBe(503);
    else expect(late.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);

    inFlight.finish();
    const res = await inFlight.response;
    expect(res.status, res.body).toBe(201);
    expect(JSON.parse(res.body).user.email).toBe("first@example.com");

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout.some(logLine((r) => r.level === 50 || r.level === 60))).toBe(false);
  });

  it("cuts a request still unfinished when PLINTH_SHUTDOWN_GRACE_MS is over, then exits 0", async () => {
    const slow = await startServer({ ...storage.env, PLINTH_SHUTDOWN_GRACE_MS: "300" });
    const stuck = startPost(slow.port, "/api/v1/auth/login", JSON.stringify({ email: "first@example.com", password: "x".repeat(20) }), "stuck-1");
    await slow.waitForLine(logLine((r) => r.reqId === "stuck-1" && r.msg === "incoming request"), "the stuck request's start");
    slow.child.kill("SIGTERM");
    await expect(stuck.response).rejects.toThrow(/closed without a full response|ECONNRESET/);
    await slow.waitForLine(logLine((r) => r.msg === "shutdown grace period over; closing open connections"), "the grace warning");
    expect(await slow.exited).toEqual({ code: 0, signal: null });
  });
});
