import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "./app.js";

// Pub/sub channels carry REDIS_KEY_PREFIX like keys do: two installations (or test runs)
// sharing one Redis never receive each other's events, while the nodes of one do.

describe.runIf(testMode === "postgres" && process.env.TEST_REDIS_URL)("the Redis bus", () => {
  const prefix = (name: string) => `plinth-bus-${name}-${randomBytes(4).toString("hex")}:`;
  const shared = prefix("shared");
  let a: TestApp;
  let b: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    [a, b, other] = await Promise.all([
      createTestApp({ REDIS_KEY_PREFIX: shared }),
      createTestApp({ REDIS_KEY_PREFIX: shared }),
      createTestApp({ REDIS_KEY_PREFIX: prefix("other") }),
    ]);
  });
  afterAll(async () => Promise.all([a, b, other].map((t) => t?.close())));

  it("delivers to the nodes of the same installation only", async () => {
    const onB: unknown[] = [];
    const onOther: unknown[] = [];
    const offB = await b.platform.bus.subscribe("test:bus", (m) => onB.push(m));
    const offOther = await other.platform.bus.subscribe("test:bus", (m) => onOther.push(m));
    await other.platform.bus.publish("test:bus", { from: "other" });
    await a.platform.bus.publish("test:bus", { from: "a" });
    const deadline = Date.now() + 10_000;
    while ((onB.length === 0 || onOther.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Each publish returns once Redis has handed the message to the subscribers, and a
    // subscriber connection receives in that order: nothing else can arrive after these.
    expect(onB).toEqual([{ from: "a" }]);
    expect(onOther).toEqual([{ from: "other" }]);
    await offB();
    await offOther();
  });
});
