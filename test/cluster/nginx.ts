import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// nginx (Debian's package) in front of the Plinth nodes, configured like deploy/nginx/plinth.conf
// minus TLS: least_conn, passive health checks, retry on the next node when one is down.

export interface Nginx {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(port: number, upstreamPorts: number[]): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), "plinth-nginx-"));
  mkdirSync(join(prefix, "logs"));
  const conf = join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `
worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
${process.getuid?.() === 0 ? "user root;" : ""}
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream plinth {
    least_conn;
${upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;
    # A POST carrying an Idempotency-Key is safe to send again (Plinth replays or takes over the
    # claim of a dead node), so nginx may retry it on the other node even after sending it.
    location / {
      if ($http_idempotency_key) { rewrite ^ /__idempotent$uri last; }
      proxy_pass http://plinth;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      # A refused or reset connection goes to the other node; only before the request was
      # sent for non-idempotent methods (nginx's rule), so a POST is never sent twice by nginx.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
    }
    location /__idempotent/ {
      internal;
      rewrite ^/__idempotent(.*)$ $1 break;
      proxy_pass http://plinth;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn("nginx", ["-p", prefix, "-c", conf, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // Ready when it accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGQUIT");
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
