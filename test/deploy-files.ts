import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

// Readers for the files under deploy/: YAML (with Compose's << merge keys), the
// Dockerfile by instructions, the nginx configuration by directives. test/deploy.test.ts
// checks what they return against the running code.

export const REPO = fileURLToPath(new URL("../", import.meta.url));
export const DEPLOY = join(REPO, "deploy");

export const readText = (path: string): string => readFileSync(path, "utf8");

/** The operator's own files (passwords, certificates): git-ignored, never part of the repository. */
const LOCAL_ONLY = [/^\.env$/, /^nginx\/tls\//];

/** Every file under deploy/ but the operator's own, as paths relative to deploy/ with "/" separators. */
export function deployFiles(dir = DEPLOY): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...deployFiles(full));
    else out.push(relative(DEPLOY, full).split("\\").join("/"));
  }
  return out.filter((f) => !LOCAL_ONLY.some((re) => re.test(f))).sort();
}

/** One YAML document; parse errors throw. */
export function readYaml(path: string): any {
  return parse(readText(path), { merge: true, prettyErrors: true });
}

/** Every document of a multi-document YAML file; parse errors throw. */
export function readYamlDocs(text: string): any[] {
  return parseAllDocuments(text, { merge: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors.map((e) => e.message).join("; "));
    return d.toJS() as unknown;
  });
}

/** "nginx:1.27-bookworm" -> "nginx", "registry.example.com/plinth:0.1" -> "plinth", "grafana/grafana-oss:11" -> "grafana/grafana-oss". */
export function imageName(image: string): string {
  const noTag = image.replace(/@.*$/, "").replace(/:[^/:]+$/, "");
  const parts = noTag.split("/");
  // A first part with a dot or a port is a registry host, not part of the name.
  if (parts.length > 1 && /[.:]/.test(parts[0]!)) parts.shift();
  return parts.join("/");
}

// ---- Dockerfile ----

export interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped; `stage` counts FROMs from 0. */
export function readDockerfile(text: string): Instruction[] {
  const lines: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    // Comment lines may sit between continuation lines; they are not part of the instruction.
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    current += line;
    if (current.trim() !== "") lines.push(current.trim());
    current = "";
  }
  let stage = -1;
  return lines.map((l) => {
    const m = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`unreadable Dockerfile line: ${l}`);
    const op = m[1]!.toUpperCase();
    if (op === "FROM") stage++;
    return { op, args: m[2]!.trim(), stage };
  });
}

/** Variables set by `ENV A=1 B="two words"` (or the legacy `ENV A 1`). */
export function dockerEnv(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name, ...rest] = args.split(/\s+/);
    return { [name!]: rest.join(" ") };
  }
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : m[2]!;
  }
  return out;
}

// ---- nginx ----

export interface NginxDirective {
  name: string;
  args: string[];
  /** Enclosing blocks, outermost first, e.g. ["server", "location = /api/v1/events"]. */
  context: string[];
  /** A number per enclosing block, to tell two server {} blocks apart. */
  blocks: number[];
}

/** A small tokenizer for nginx configuration: enough for directives, blocks, quotes and comments. */
export function readNginx(text: string): NginxDirective[] {
  const tokens: string[] = [];
  const re = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[0].startsWith("#")) continue;
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  }
  const out: NginxDirective[] = [];
  const stack: string[] = [];
  const ids: number[] = [];
  let opened = 0;
  let words: string[] = [];
  for (const tok of tokens) {
    if (tok === ";") {
      if (words.length > 0) out.push({ name: words[0]!, args: words.slice(1), context: [...stack], blocks: [...ids] });
      words = [];
    } else if (tok === "{") {
      stack.push(words.join(" "));
      ids.push(opened++);
      words = [];
    } else if (tok === "}") {
      if (stack.length === 0) throw new Error("unbalanced } in nginx configuration");
      stack.pop();
      ids.pop();
      words = [];
    } else {
      words.push(tok);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed block in nginx configuration: ${stack.join(" > ")}`);
  return out;
}

/** nginx sizes: "1m" -> 1048576. */
export function nginxSize(v: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v);
  if (!m) throw new Error(`not an nginx size: ${v}`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}

/** Compose durations: "20s", "1m30s" -> milliseconds. */
export function composeDurationMs(v: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/g;
  let consumed = "";
  for (const m of v.matchAll(re)) {
    consumed += m[0];
    const n = Number(m[1]);
    total += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : m[2] === "ms" ? n : n / 1000;
  }
  if (consumed !== v) throw new Error(`not a Compose duration: ${v}`);
  return total;
}

// ---- Kubernetes ----

/** Every container (and init container) of a workload object, with its pod spec. */
export function podContainers(obj: any): { pod: any; container: any }[] {
  const pod = obj?.kind === "CronJob" ? obj.spec?.jobTemplate?.spec?.template?.spec : obj?.spec?.template?.spec;
  if (!pod) return [];
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])].map((container: any) => ({ pod, container }));
}

/** `KEY=VALUE` literals of a kustomize generator. */
export function literalPairs(literals: unknown): [string, string][] {
  if (!Array.isArray(literals)) return [];
  return literals.map((l) => {
    const s = String(l);
    const i = s.indexOf("=");
    if (i <= 0) throw new Error(`generator literal without KEY=: ${s}`);
    return [s.slice(0, i), s.slice(i + 1)];
  });
}
