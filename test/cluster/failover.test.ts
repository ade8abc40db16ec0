import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startWriteLoad, type WriteLoad } from "./load.js";
import { startTopology, type Topology } from "./topology.js";
import { until } from "./nodes.js";
import { EventClient } from "../ws-client.js";

// What production does to a cluster, done to a real one on loopback: nginx in front of two
// Plinth nodes on PostgreSQL + Redis. Figures are printed for the operations docs.

let topo: Topology;
let tenant: { token: string; orgId: string; projectId: string };

beforeAll(async () => {
  topo = await startTopology();
  tenant = await topo.tenant();
});
afterAll(async () => topo?.close());

/** Every acknowledged write is stored exactly once; no write of the run is stored twice. */
async function expectNoLossNoDuplicate(load: WriteLoad, tag: string): Promise<number> {
  const client = new pg.Client({ connectionString: topo.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ title: string; n: number; ids: string[] }>(
      "select title, count(*)::int as n, array_agg(id::text) as ids from tasks where title like $1 group by title",
      [`${tag}-%`],
    );
    const stored = new Map(rows.map((r) => [r.title, r]));
    const duplicated = rows.filter((r) => r.n > 1).map((r) => r.title);
    const lost = [...load.acknowledged.keys()].filter((title) => !stored.has(title));
    const wrongId = [...load.acknowledged].filter(([title, id]) => stored.get(title)?.ids[0] !== id);
    expect({ duplicated, lost, wrongId }).toEqual({ duplicated: [], lost: [], wrongId: [] });
    return rows.length;
  } finally {
    await client.end();
  }
}

/** Task creations a node has answered, from its own /metrics. */
async function requestsServed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("plinth_http_requests_total{") && l.includes('method="POST"') && l.includes("/tasks"))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

const ready = async (url: string) => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200;

describe("a cluster of two nodes behind nginx", () => {
  it("loses and doubles no acknowledged write when a node is killed with SIGKILL under load", async () => {
    const tag = `kill-${Date.now()}`;
    const load = startWriteLoad({ baseUrl: topo.nginx.url, token: tenant.token, projectId: tenant.projectId, workers: 8, tag });
    await until("writes flowing", async () => load.acknowledged.size >= 100);
    const killedAt = Date.now();
    await topo.nodes[0]!.kill();
    const before = load.acknowledged.size;
    await until("writes flowing on the surviving node", async () => load.acknowledged.size >= before + 200);
    await topo.nodes[0]!.start();
    const attempts = load.attempts();
    await load.stop();
    const stored = await expectNoLossNoDuplicate(load, tag);
    const errorRate = load.failures.length / attempts;
    const lastError = Math.max(0, ...load.failures.map((f) => f.at - killedAt));
    console.log(
      `[cluster] kill -9: ${attempts} attempts, ${load.failures.length} client-visible errors (${(errorRate * 100).toFixed(2)}%: ${[...new Set(load.failures.map((f) => f.status))].join(",")}), last ${lastError} ms after the kill; ${load.acknowledged.size} acknowledged, ${stored} stored`,
    );
    expect(errorRate).toBeLessThan(0.01);
    expect(lastError).toBeLessThan(10_000);
  });

  it("fails no request during a rolling restart (SIGTERM one node at a time) under load", async () => {
    const tag = `roll-${Date.now()}`;
    const load = startWriteLoad({ baseUrl: topo.nginx.url, token: tenant.token, projectId: tenant.projectId, workers: 8, tag });
    await until("writes flowing", async () => load.acknowledged.size >= 50);
    const started = Date.now();
    for (const node of topo.nodes) {
      await node.stop();
      await node.start();
      await until(`node :${node.port} ready`, () => ready(node.url));
      // nginx's passive checks keep a node that refused connections out for fail_timeout:
      // like an operator, restart the next node only once the balancer sends this one work again.
      const served = await requestsServed(node.url);
      await until(`nginx routing to :${node.port} again`, async () => (await requestsServed(node.url)) >= served + 20);
      const mark = load.acknowledged.size;
      await until("writes flowing after the restart", async () => load.acknowledged.size >= mark + 50);
    }
    const attempts = load.attempts();
    await load.stop();
    await expectNoLossNoDuplicate(load, tag);
    console.log(`[cluster] rolling restart: ${attempts} attempts in ${Date.now() - started} ms, ${load.failures.length} failed (${load.failures.map((f) => f.status).join(",")})`);
    expect(load.failures).toEqual([]);
  });

  it("reports not-ready while the PostgreSQL primary restarts, and recovers without restarting Plinth", async () => {
    const pids = topo.nodes.map((n) => n.process?.child.pid);
    const stopping = Date.now();
    await topo.pg.primary.stop("fast");
    const down = Date.now();
    console.log(`[cluster] primary stopped in ${down - stopping} ms`);
    for (const node of topo.nodes) await until(`node :${node.port} not ready`, async () => !(await ready(node.url)), 30_000);
    await topo.pg.primary.start();
    const up = Date.now();
    for (const node of topo.nodes) await until(`node :${node.port} ready again`, () => ready(node.url), 60_000);
    const recovered = Date.now() - up;
    // Writes work again through the balancer.
    const res = await fetch(`${topo.nginx.url}/api/v1/projects/${tenant.projectId}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "after the primary restart" }),
    });
    expect(res.status).toBe(201);
    expect(topo.nodes.map((n) => n.process?.child.pid)).toEqual(pids);
    console.log(`[cluster] primary restart: not ready within ${up - down} ms of the stop, ready ${recovered} ms after the primary came back`);
  });

  /** Creates a task through one node directly (not the balancer); its id. */
  async function createOn(url: string, title: string): Promise<string> {
    const res = await fetch(`${url}/api/v1/projects/${tenant.projectId}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.token}`, "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it("keeps reads and writes working while Redis is stopped, and again once it is back; real time resumes", async () => {
    // A WebSocket client on node B sees a write made on node A: Redis pub/sub carries it.
    const [a, b] = topo.nodes as [(typeof topo.nodes)[0], (typeof topo.nodes)[0]];
    let client = await EventClient.open(b.url, { token: tenant.token });
    const seen = (id: string) => (m: { type: string; data: Record<string, unknown> }) => m.type === "task.created" && m.data.id === id;
    const before = await createOn(a.url, "live before the Redis stop");
    await client.waitFor("a write on node A reaching node B", seen(before));

    const tag = `redis-${Date.now()}`;
    const load = startWriteLoad({ baseUrl: topo.nginx.url, token: tenant.token, projectId: tenant.projectId, workers: 4, tag });
    await until("writes flowing", async () => load.acknowledged.size >= 20);
    await topo.redis.stop();
    const mark = load.acknowledged.size;
    const failuresBefore = load.failures.length;
    await until("writes flowing without Redis", async () => load.acknowledged.size >= mark + 50);
    const list = await fetch(`${topo.nginx.url}/api/v1/projects/${tenant.projectId}/tasks?limit=5`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(list.status).toBe(200);
    await topo.redis.start();
    const mark2 = load.acknowledged.size;
    await until("writes flowing with Redis back", async () => load.acknowledged.size >= mark2 + 50);
    await load.stop();
    await expectNoLossNoDuplicate(load, tag);
    console.log(`[cluster] redis stop: ${load.failures.length - failuresBefore} client-visible errors while it was away`);
    expect(load.failures.length - failuresBefore).toBe(0);

    // Real time resumes: a new write on A reaches a client on B, on the same socket or, if
    // the node closed it meanwhile, on a new one resuming from the last event it had.
    const back = Date.now();
    let after = "";
    await until(
      "real time across nodes again",
      async () => {
        if (client.closeCode !== undefined) {
          const last = client.events.at(-1)?.id;
          client = await EventClient.open(b.url, { token: tenant.token, ...(last ? { lastEventId: last } : {}) });
        }
        after = await createOn(a.url, `live after Redis is back ${Date.now()}`);
        await client.waitFor("the write after Redis is back", seen(after), 3000);
        return true;
      },
      60_000,
    );
    console.log(`[cluster] redis back: real time across nodes again after ${Date.now() - back} ms`);
    await client.close();
  });
});
