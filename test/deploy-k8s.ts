import { join } from "node:path";
import { ROLES, loadConfig } from "../src/config.js";
import { DEPLOY, imageName, literalPairs, nginxSize, podContainers, readText, readYaml, readYamlDocs } from "./deploy-files.js";

// Checks of Kubernetes objects against the code, used by test/deploy.test.ts on the
// base manifests as written and on each overlay as kubectl kustomize renders it.

export const K8S = join(DEPLOY, "k8s");

/** What the code says, handed in by the test (routes come from the built app). */
export interface K8sFacts {
  settingNames: ReadonlySet<string>;
  isRoute(path: string): boolean;
  isRoutePrefix(prefix: string): boolean;
  /** ENV of the image's final stage: what every Plinth container starts with. */
  imageEnv: Record<string, string>;
  cliCommands: ReadonlySet<string>;
  port: number;
  bodyLimit: number;
  requestTimeoutMs: number;
  graceMs: number;
  forceExitExtraMs: number;
}

export interface K8sSet {
  docs: any[];
  /** Settings each workload sees through envFrom, by ConfigMap/Secret name. */
  envSources: Map<string, Record<string, string>>;
}

/** Base resources plus generated ConfigMaps, read from the files as kustomize would list them. */
export function readBase(): K8sSet {
  const k = readYaml(join(K8S, "base/kustomization.yaml"));
  const docs = (k.resources as string[]).flatMap((r) => readYamlDocs(readText(join(K8S, "base", r))));
  const envSources = new Map<string, Record<string, string>>();
  for (const g of (k.configMapGenerator ?? []) as any[]) envSources.set(g.name, Object.fromEntries(literalPairs(g.literals)));
  for (const d of docs.filter((x) => x.kind === "ConfigMap" || x.kind === "Secret")) {
    const data = { ...(d.data ?? {}), ...(d.stringData ?? {}) } as Record<string, string>;
    if (d.kind === "Secret" && d.data) for (const key of Object.keys(d.data)) data[key] = Buffer.from(String(d.data[key]), "base64").toString();
    envSources.set(d.metadata.name, data);
  }
  return { docs, envSources };
}

/** Problems of one set of Kubernetes objects, as readable lines (empty = fine). */
export function k8sProblems(set: K8sSet, f: K8sFacts, opts: { secretsOutOfBand?: boolean } = {}): string[] {
  const problems: string[] = [];
  const { docs, envSources } = set;
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  for (const [name, data] of envSources) {
    for (const key of Object.keys(data)) if (!f.settingNames.has(key)) problems.push(`${name}: ${key} is not a setting`);
  }
  const workloads = [...byKind("Deployment"), ...byKind("Job"), ...byKind("CronJob"), ...byKind("StatefulSet")];
  for (const w of workloads) {
    const id = `${w.kind}/${w.metadata.name}`;
    for (const { pod, container } of podContainers(w)) {
      const where = `${id} ${container.name}`;
      if (imageName(String(container.image)) !== "plinth") problems.push(`${where}: image ${container.image} is not Plinth's`);
      const env: Record<string, string> = { ...f.imageEnv };
      for (const ref of (container.envFrom ?? []) as any[]) {
        const name = ref.configMapRef?.name ?? ref.secretRef?.name;
        const source = envSources.get(name);
        if (source) Object.assign(env, source);
        else if (!(ref.secretRef && opts.secretsOutOfBand)) problems.push(`${where}: envFrom ${name} does not exist`);
      }
      for (const e of (container.env ?? []) as any[]) {
        if (!f.settingNames.has(e.name)) problems.push(`${where}: env ${e.name} is not a setting`);
        if (typeof e.value === "string") env[e.name] = e.value;
      }
      try {
        loadConfig(env);
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
      }
      const argv = [...((container.command ?? []) as string[]), ...((container.args ?? []) as string[])];
      const main = argv.indexOf("dist/src/main.js");
      const command = argv.slice(main + 1).find((a) => !a.startsWith("-"));
      if (argv[0] !== "node" || main < 0 || !command || !f.cliCommands.has(command)) problems.push(`${where}: runs ${argv.join(" ")}, not a plinth command`);
      for (const a of argv.filter((x) => x.startsWith("--roles="))) {
        const roles = a.slice("--roles=".length).split(",");
        if (roles.some((r) => !(ROLES as readonly string[]).includes(r))) problems.push(`${where}: unknown role in ${a}`);
      }
      const port = Number(env.PORT ?? f.port);
      const portNames = new Map(((container.ports ?? []) as any[]).map((p) => [p.name, p.containerPort]));
      for (const p of (container.ports ?? []) as any[]) if (p.containerPort !== port) problems.push(`${where}: containerPort ${p.containerPort} is not PORT ${port}`);
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const get = container[probe]?.httpGet;
        if (!get) continue;
        if (!f.isRoute(get.path)) problems.push(`${where}: ${probe} path ${get.path} is not a route`);
        const probePort = typeof get.port === "string" ? portNames.get(get.port) : get.port;
        if (probePort !== port) problems.push(`${where}: ${probe} port ${get.port} is not PORT ${port}`);
      }
      const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      if (runAsNonRoot !== true || runAsUser === 0) problems.push(`${where}: may run as root`);
      if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory || !container.resources?.limits?.memory) {
        problems.push(`${where}: needs cpu and memory requests and a memory limit`);
      }
      if (w.kind === "Deployment") {
        if (container.readinessProbe?.httpGet?.path !== "/readyz") problems.push(`${where}: readiness must ask /readyz`);
        if (container.livenessProbe?.httpGet?.path !== "/healthz") problems.push(`${where}: liveness must ask /healthz`);
        const preStop = (container.lifecycle?.preStop?.exec?.command ?? []) as string[];
        const sleepMs = preStop[0] === "sleep" ? Number(preStop[1]) * 1000 : 0;
        const grace = Number(env.PLINTH_SHUTDOWN_GRACE_MS ?? f.graceMs);
        const limit = Number(pod.terminationGracePeriodSeconds ?? 30) * 1000;
        if (limit <= sleepMs + grace + f.forceExitExtraMs) {
          problems.push(`${where}: terminationGracePeriodSeconds ${limit / 1000} s does not cover preStop ${sleepMs} ms + grace ${grace} ms + ${f.forceExitExtraMs} ms`);
        }
      }
    }
  }
  const apiDeployments = byKind("Deployment").filter((d) => podContainers(d).some(({ container }) => (container.ports ?? []).length > 0));
  const matches = (selector: Record<string, string>, d: any) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels?.[k] === v);
  const apiPreStop = apiDeployments.filter((d) => podContainers(d).some(({ container }) => container.lifecycle?.preStop));
  for (const s of byKind("Service")) {
    const targets = byKind("Deployment").filter((d) => matches(s.spec.selector, d));
    if (targets.length === 0) problems.push(`Service/${s.metadata.name}: selects no Deployment`);
    for (const d of targets) if (!apiPreStop.includes(d)) problems.push(`Service/${s.metadata.name}: ${d.metadata.name} has no preStop drain`);
    for (const p of s.spec.ports as any[]) {
      const named = targets.flatMap((d) => podContainers(d).flatMap(({ container }) => ((container.ports ?? []) as any[]).map((x) => x.name)));
      if (typeof p.targetPort === "string" && !named.includes(p.targetPort)) problems.push(`Service/${s.metadata.name}: targetPort ${p.targetPort} is not a container port`);
    }
  }
  for (const pdb of byKind("PodDisruptionBudget")) {
    if (!byKind("Deployment").some((d) => matches(pdb.spec.selector.matchLabels, d))) problems.push(`PodDisruptionBudget/${pdb.metadata.name}: selects no Deployment`);
  }
  for (const hpa of byKind("HorizontalPodAutoscaler")) {
    const target = byKind("Deployment").find((d) => d.metadata.name === hpa.spec.scaleTargetRef.name);
    if (!target) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: no Deployment ${hpa.spec.scaleTargetRef.name}`);
    if (!(hpa.spec.metrics as any[]).some((m) => m.resource?.name === "cpu")) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: not on CPU`);
    if (hpa.spec.minReplicas < 2) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: fewer than 2 replicas leaves no node during a rollout`);
  }
  for (const ing of byKind("Ingress")) {
    const id = `Ingress/${ing.metadata.name}`;
    const a = (ing.metadata.annotations ?? {}) as Record<string, string>;
    const body = a["nginx.ingress.kubernetes.io/proxy-body-size"];
    if (body === undefined || nginxSize(body) !== f.bodyLimit) problems.push(`${id}: proxy-body-size ${body} is not PLINTH_BODY_LIMIT_BYTES`);
    const read = Number(a["nginx.ingress.kubernetes.io/proxy-read-timeout"]) * 1000;
    if (!(read > f.requestTimeoutMs)) problems.push(`${id}: proxy-read-timeout must exceed PLINTH_REQUEST_TIMEOUT_MS`);
    for (const rule of ing.spec.rules as any[]) {
      for (const p of rule.http.paths as any[]) {
        const ok = p.pathType === "Exact" ? f.isRoute(p.path) : f.isRoutePrefix(p.path);
        if (!ok) problems.push(`${id}: path ${p.path} (${p.pathType}) matches no route`);
        const svc = byKind("Service").find((s) => s.metadata.name === p.backend.service.name);
        if (!svc) problems.push(`${id}: no Service ${p.backend.service.name}`);
        else if (!(svc.spec.ports as any[]).some((x) => x.name === p.backend.service.port.name || x.port === p.backend.service.port.number)) {
          problems.push(`${id}: Service ${svc.metadata.name} has no port ${JSON.stringify(p.backend.service.port)}`);
        }
        const path = String(p.path);
        if (path === "/metrics" || (p.pathType !== "Exact" && "/metrics".startsWith(path.endsWith("/") ? path : `${path}/`))) {
          problems.push(`${id}: exposes /metrics`);
        }
      }
    }
    const events = (ing.spec.rules as any[]).some((r) => (r.http.paths as any[]).some((p) => p.path === "/api/v1/events"));
    if (events && read < 600_000) problems.push(`${id}: WebSocket path needs a long proxy-read-timeout`);
  }
  if (!byKind("Job").some((j) => podContainers(j).some(({ container }) => [...(container.command ?? []), ...(container.args ?? [])].includes("migrate")))) {
    problems.push("no migration Job");
  }
  for (const kind of ["Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job"]) {
    if (byKind(kind).length === 0) problems.push(`no ${kind}`);
  }
  return problems;
}

/** Every env name set anywhere in a (partial) object: container env lists and ConfigMap/Secret data. */
export function envNamesIn(obj: any): string[] {
  if (Array.isArray(obj)) return obj.flatMap(envNamesIn);
  if (obj === null || typeof obj !== "object") return [];
  const out: string[] = [];
  if ((obj.kind === "ConfigMap" || obj.kind === "Secret") && !obj.$patch) out.push(...Object.keys({ ...(obj.data ?? {}), ...(obj.stringData ?? {}) }));
  for (const [k, v] of Object.entries(obj)) {
    if (k === "env" && Array.isArray(v)) out.push(...v.map((e: any) => String(e.name)));
    else out.push(...envNamesIn(v));
  }
  return out;
}

/** The objects of `kubectl kustomize` output, with ConfigMap and Secret values as envFrom sees them. */
export function readRendered(yamlText: string): K8sSet {
  const docs = readYamlDocs(yamlText);
  const envSources = new Map<string, Record<string, string>>();
  for (const d of docs.filter((x) => x.kind === "ConfigMap")) envSources.set(d.metadata.name, d.data ?? {});
  for (const d of docs.filter((x) => x.kind === "Secret")) {
    const data = Object.entries((d.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]);
    envSources.set(d.metadata.name, { ...Object.fromEntries(data), ...(d.stringData ?? {}) });
  }
  return { docs, envSources };
}
