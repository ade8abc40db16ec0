import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./app.js";

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const address = t.app.server.address();
  port = typeof address === "object" && address ? address.port : 0;
});
afterAll(async () => t.close());

/** Sends raw bytes as a client that does not percent-encode would, and reads the whole answer. */
function rawRequest(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

describe("requests Node cannot parse", () => {
  it("answers raw UTF-8 in the URL with a 400 problem, not a bare client error", async () => {
    const res = await rawRequest(Buffer.from("GET /api/v1/me?q=审批 HTTP/1.1\r\nHost: x\r\n\r\n", "utf8"));
    expect(res).toMatch(/^HTTP\/1\.1 400/);
    expect(res).toContain("application/problem+json");
    expect(res).toContain('"code":"bad_request"');
  });

  it("serves the root page in the caller's language", async () => {
    const zh = await t.app.inject({ method: "GET", url: "/", headers: { "accept-language": "zh-CN,zh;q=0.9" } });
    expect(zh.statusCode).toBe(200);
    expect(zh.body).toContain("Plinth 已启动");
    const en = await t.app.inject({ method: "GET", url: "/" });
    expect(en.body).toContain("Plinth is running");
  });
});
