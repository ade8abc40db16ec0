import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTopology, type Topology } from "./topology.js";
import { until } from "./nodes.js";

// Read/write splitting through the balancer: nginx -> 2 nodes -> primary + streaming replica.
// The replica applies WAL with a delay, so a read that wrongly goes to it misses a fresh
// write: the author's reads must still see every write (read-your-writes, across nodes),
// another user's reads really are served by the replica, and stopping the replica moves
// reads to the primary without a failed request.

const APPLY_DELAY_MS = 400;

let topo: Topology;
let author: { token: string; orgId: string; projectId: string };
let reader: string;

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${topo.nginx.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Sum of one metric over both nodes, read from each node directly (not through the balancer). */
async function metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const node of topo.nodes) {
    const text = await (await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    for (const line of text.split("\n")) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

beforeAll(async () => {
  topo = await startTopology({ replica: true, env: { DATABASE_REPLICA_MAX_LAG_MS: "30000", PLINTH_READ_YOUR_WRITES_MS: "3000" } });
  const replica = topo.pg.replica!;
  appendFileSync(join(replica.dataDir, "postgresql.conf"), `recovery_min_apply_delay = '${APPLY_DELAY_MS}ms'\n`);
  await replica.restart();
  await until("the replica back in rotation on both nodes", async () => (await metricSum("plinth_db_replica_in_rotation")) === 2);

  author = await topo.tenant();
  const email = `reader-${Date.now()}@example.com`;
  const signup = await api("POST", "/api/v1/auth/signup", "", { email, password: "correct horse battery", name: "Reader" });
  reader = signup.body.token as string;
  const invitation = await api("POST", `/api/v1/orgs/${author.orgId}/invitations`, author.token, { email, role: "admin" });
  expect(invitation.status).toBe(201);
  expect((await api("POST", "/api/v1/invitations/accept", reader, { token: invitation.body.token })).status).toBe(200);
});
afterAll(async () => topo?.close());

describe("reads on a streaming replica behind nginx", () => {
  it("serves another user's reads from the replica, which is behind the primary", async () => {
    const before = await metricSum("plinth_db_queries_total", { pool: "replica" });
    // The reader's own writes (accepting the invitation) pin them to the primary for a while;
    // once that window is over their reads go to the delayed replica and miss a fresh write.
    // (A task read by id comes from the primary or the cache; lists are the replica's work.)
    const listed = async (title: string, token: string) => {
      const res = await api("GET", `/api/v1/projects/${author.projectId}/tasks?q=${encodeURIComponent(title)}&limit=5`, token);
      expect(res.status).toBe(200);
      return (res.body.items as { title: string }[]).some((t) => t.title === title);
    };
    let title = "";
    let n = 0;
    await until(
      "a fresh write invisible to the reader",
      async () => {
        title = `not there yet for others ${n++}`;
        expect((await api("POST", `/api/v1/projects/${author.projectId}/tasks`, author.token, { title })).status).toBe(201);
        return !(await listed(title, reader));
      },
      30_000,
    );
    // ...and not because the reader may not see it: the replica catches up and shows it.
    await until("the replica has applied it", () => listed(title, reader), 30_000);
    expect(await metricSum("plinth_db_queries_total", { pool: "replica" })).toBeGreaterThan(before);
  });

  it("always shows the author their own write, whichever node serves the read", async () => {
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const created = await api("POST", `/api/v1/projects/${author.projectId}/tasks`, author.token, { title: `ryw ${i}` });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const read = await api("GET", `/api/v1/tasks/${id}`, author.token);
      expect(read.status, `read of task ${i} right after creating it`).toBe(200);
      const renamed = await api("PATCH", `/api/v1/tasks/${id}`, author.token, { title: `ryw ${i} renamed` });
      expect(renamed.status).toBe(200);
      const list = await api("GET", `/api/v1/projects/${author.projectId}/tasks?q=${encodeURIComponent(`ryw ${i} renamed`)}&limit=5`, author.token);
      expect(list.status).toBe(200);
      expect((list.body.items as { id: string }[]).map((t) => t.id)).toContain(id);
      checked++;
    }
    expect(checked).toBe(60);
  });

  it("moves reads to the primary without a failed request when the replica stops", async () => {
    const failures: string[] = [];
    let requests = 0;
    let running = true;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        for (const [method, path, token, body] of [
          ["GET", `/api/v1/projects/${author.projectId}/tasks?limit=20`, reader],
          ["GET", `/api/v1/projects/${author.projectId}/board`, reader],
          ["POST", `/api/v1/projects/${author.projectId}/tasks`, author.token, { title: `while the replica stops ${i}` }],
        ] as const) {
          requests++;
          const res = await api(method, path, token, body).catch((err: unknown) => ({ status: 0, body: { err: String(err) } }));
          if (res.status >= 300) failures.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    })();
    await until("requests flowing", async () => requests >= 30);
    const stoppedAt = Date.now();
    await topo.pg.replica!.stop("immediate");
    const outOfRotation = await until("the replica out of rotation on both nodes", async () => (await metricSum("plinth_db_replica_in_rotation")) === 0, 30_000);
    const mark = requests;
    await until("requests flowing on the primary alone", async () => requests >= mark + 60);
    running = false;
    await loop;
    console.log(`[cluster] replica stop: out of rotation ${outOfRotation} ms after the stop (${Date.now() - stoppedAt} ms observed), ${requests} requests, ${failures.length} failed`);
    expect(failures).toEqual([]);
  });
});
