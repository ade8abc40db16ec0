import { randomUUID } from "node:crypto";

// A steady write load as real clients produce it: each write carries an Idempotency-Key and
// is retried with the same key until it is acknowledged, so a write is never lost or doubled.

export interface Failure {
  at: number;
  status: number | string;
}

export interface WriteLoad {
  /** Keys (task titles) the server acknowledged, with the task id it returned. */
  acknowledged: Map<string, string>;
  failures: Failure[];
  attempts: () => number;
  stop(): Promise<void>;
}

export interface LoadOptions {
  baseUrl: string;
  token: string;
  projectId: string;
  workers: number;
  /** Prefix of every task title, so the test can find exactly its own tasks. */
  tag: string;
  /** Also read each acknowledged task back (GET) through the same balancer. */
  readBack?: boolean;
}

export function startWriteLoad(o: LoadOptions): WriteLoad {
  const acknowledged = new Map<string, string>();
  const failures: Failure[] = [];
  let attempts = 0;
  let stopping = false;
  const headers = { authorization: `Bearer ${o.token}`, "content-type": "application/json" };

  const once = async (title: string, key: string): Promise<string | undefined> => {
    attempts++;
    try {
      const res = await fetch(`${o.baseUrl}/api/v1/projects/${o.projectId}/tasks`, {
        method: "POST",
        headers: { ...headers, "idempotency-key": key },
        body: JSON.stringify({ title }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
      if (res.status === 201 && body.id) return body.id;
      failures.push({ at: Date.now(), status: res.status });
      // Applied by a node that died before answering: as the answer says, read the resource
      // (here: find the task by its unique title) instead of retrying.
      if (res.status === 409 && body.code === "idempotency_applied") return await findByTitle(title);
    } catch (err) {
      failures.push({ at: Date.now(), status: (err as Error).name });
    }
    return undefined;
  };

  const findByTitle = async (title: string): Promise<string | undefined> => {
    const res = await fetch(`${o.baseUrl}/api/v1/projects/${o.projectId}/tasks?q=${encodeURIComponent(title)}&limit=5`, { headers, signal: AbortSignal.timeout(15_000) });
    const list = (await res.json().catch(() => ({}))) as { items?: { id: string; title: string }[] };
    return list.items?.find((t) => t.title === title)?.id;
  };

  const worker = async () => {
    while (!stopping) {
      const key = randomUUID();
      const title = `${o.tag}-${key}`;
      // Client retry: same key, short pause, until acknowledged (or the test stops).
      for (let tries = 0; tries < 200; tries++) {
        const id = await once(title, key);
        if (id) {
          acknowledged.set(title, id);
          break;
        }
        if (stopping && tries > 20) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const running = Array.from({ length: o.workers }, () => worker());
  return {
    acknowledged,
    failures,
    attempts: () => attempts,
    stop: async () => {
      stopping = true;
      await Promise.all(running);
    },
  };
}
