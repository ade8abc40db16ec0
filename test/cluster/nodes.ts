import { runPlinth, type PlinthProcess } from "../server-process.js";

// Plinth nodes as real processes on fixed ports (nginx's upstreams), started, killed and
// restarted the way an orchestrator would.

export interface PlinthNode {
  readonly port: number;
  readonly url: string;
  process: PlinthProcess | undefined;
  start(): Promise<void>;
  /** kill -9: no drain, no cleanup. */
  kill(): Promise<void>;
  /** SIGTERM: drain in-flight requests, then exit. */
  stop(): Promise<void>;
}

export function plinthNode(port: number, env: Record<string, string>): PlinthNode {
  const node: PlinthNode = {
    port,
    url: `http://127.0.0.1:${port}`,
    process: undefined,
    async start() {
      const p = runPlinth(["serve"], {
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        PLINTH_TRUST_PROXY: "true",
        PLINTH_OPEN_SIGNUP: "true",
        PLINTH_LOGIN_MAX_ATTEMPTS: "10000",
        PLINTH_LOGIN_MAX_ATTEMPTS_PER_IP: "100000",
        PLINTH_SHUTDOWN_GRACE_MS: "10000",
        ...env,
      });
      node.process = p;
      await p.waitForLine((l) => l.includes("Plinth is running at"), `node :${port} banner`);
    },
    async kill() {
      const p = node.process;
      if (!p) return;
      p.child.kill("SIGKILL");
      await p.exited;
      node.process = undefined;
    },
    async stop() {
      const p = node.process;
      if (!p) return;
      p.child.kill("SIGTERM");
      const { code } = await p.exited;
      node.process = undefined;
      if (code !== 0) throw new Error(`node :${port} exited with ${code} after SIGTERM\n${p.stderr.join("\n")}`);
    },
  };
  return node;
}

/** Polls a URL until check passes (the cluster's state is observed, never assumed after a sleep). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
