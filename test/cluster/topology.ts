import { freePort, PgCluster } from "./pg-cluster.js";
import { startNginx, type Nginx } from "./nginx.js";
import { plinthNode, type PlinthNode } from "./nodes.js";
import { startRedisServer, type RedisServer } from "./redis-server.js";

// The production topology on loopback: nginx -> 2 Plinth nodes -> PostgreSQL primary
// (+ optional streaming replica) and a Redis of its own.

export interface Topology {
  pg: PgCluster;
  redis: RedisServer;
  nodes: PlinthNode[];
  nginx: Nginx;
  databaseUrl: string;
  /** Signs up the first account and makes an org and a project through the balancer. */
  tenant(): Promise<{ token: string; orgId: string; projectId: string }>;
  close(): Promise<void>;
}

export async function startTopology(opts: { replica?: boolean; env?: Record<string, string> } = {}): Promise<Topology> {
  const pg = await PgCluster.start();
  const started: { stop(): Promise<void> }[] = [];
  try {
    return await assemble(pg, started, opts);
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await pg.cleanup();
    throw err;
  }
}

async function assemble(pg: PgCluster, started: { stop(): Promise<void> }[], opts: { replica?: boolean; env?: Record<string, string> }): Promise<Topology> {
  const databaseUrl = await pg.primary.createDatabase("plinth");
  const env: Record<string, string> = { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: "10", ...opts.env };
  if (opts.replica) {
    const replica = await pg.addReplica();
    await pg.waitReplicaCaughtUp();
    env.DATABASE_READ_URLS = replica.url("plinth");
  }
  const redis = await startRedisServer(await freePort());
  started.push(redis);
  env.REDIS_URL = redis.url;
  const nodes = [plinthNode(await freePort(), env), plinthNode(await freePort(), env)];
  started.push(...nodes.map((n) => ({ stop: () => n.kill() })));
  // Both at once, as an orchestrator does: migrations run once under the advisory lock.
  await Promise.all(nodes.map((n) => n.start()));
  const nginx = await startNginx(
    await freePort(),
    nodes.map((n) => n.port),
  );
  return {
    pg,
    redis,
    nodes,
    nginx,
    databaseUrl,
    tenant: async () => {
      const post = async (path: string, body: unknown, token?: string) => {
        const res = await fetch(`${nginx.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };
      const signup = await post("/api/v1/auth/signup", { email: `ops-${Date.now()}@example.com`, password: "correct horse battery", name: "Ops" });
      const token = signup.token as string;
      const org = await post("/api/v1/orgs", { name: "Cluster test", slug: `cluster-${Date.now()}` }, token);
      const project = await post(`/api/v1/orgs/${org.id as string}/projects`, { name: "Failover", key: "FO" }, token);
      return { token, orgId: org.id as string, projectId: project.id as string };
    },
    close: async () => {
      await nginx.stop().catch(() => undefined);
      await Promise.all(nodes.map((n) => n.kill()));
      await redis.stop();
      await pg.cleanup();
    },
  };
}
