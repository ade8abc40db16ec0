import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, testMode, type TestApp } from "./app.js";
import { call } from "./http.js";
import {
  BAD_HEADERS,
  BAD_QUERY_VALUES,
  badBodies,
  badContentTypes,
  badCursors,
  badPathValues,
  pick,
  propertyMutations,
  seededRng,
  type Rng,
} from "./fuzz-cases.js";
import { fillPath, pathParams } from "./routes.js";
import { plausibleRequest, type OpenApiDoc } from "./samples.js";
import { buildTenant, samplesFor, type Tenant } from "./tenant.js";

// Every operation in the OpenAPI document gets malformed bodies, hostile path
// parameters, bad query values, wrong content types and odd headers, sent by a
// real user with real ids everywhere else. No answer may be a 5xx, and every
// 4xx must be problem+json with a code.

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);

interface FuzzCase {
  label: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}
/** An OpenAPI operation, its path written as the Fastify route (`:param`). */
interface Operation {
  method: string;
  route: string;
}

let t: TestApp;
let a: Tenant;
let doc: OpenApiDoc;
const PASSWORD = "correct-horse-battery"; // test/factories.ts signs everyone up with it

// Validation and error mapping do not depend on the database mode (PGlite is PostgreSQL too),
// so the fuzzer runs once, on the embedded run, keeping CI's time in bounds.
const fuzzHere = testMode === "pglite";

beforeAll(async () => {
  if (!fuzzHere) return;
  t = await createTestApp();
  a = await buildTenant(t);
  doc = (await call(t, "GET", "/openapi.json")).body;
});
afterAll(async () => {
  if (fuzzHere) await t.close();
});

/** Operations in an order that keeps the sample resources alive longest: deletions last, deepest first. */
function operations(): Operation[] {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), route: path.replace(/\{([^}]+)\}/g, ":$1") })),
  );
  const rank = (o: Operation) => (o.route === "/api/v1/auth/logout" ? 3 : o.method === "DELETE" ? 2 : 0);
  return ops.sort((x, y) => rank(x) - rank(y) || (rank(x) === 2 ? y.route.split("/").length - x.route.split("/").length : 0));
}

const json = (v: unknown) => JSON.stringify(v);

function casesFor(o: Operation, rng: Rng): { cases: FuzzCase[]; baseline: FuzzCase } {
  const real = Object.fromEntries(Object.entries(samplesFor({ method: o.method, url: o.route }, a.samples)).map(([k, s]) => [k, s.values[0]!]));
  const { op, query, url, schema, body: valid } = plausibleRequest(doc, o.method, o.route, real, a.bodyIds);
  const withBody = (payload: unknown): Pick<FuzzCase, "headers" | "payload"> => ({ headers: { "content-type": "application/json" }, payload: json(payload) });
  const baseBody = valid === undefined ? {} : withBody(valid);
  const withQuery = (extra: string) => `${url}${query ? "&" : "?"}${extra}`;
  const cases: FuzzCase[] = [];

  for (const name of pathParams(o.route)) {
    for (const bad of badPathValues(real[name]!)) cases.push({ label: `path ${name}=${bad.slice(0, 40)}`, url: fillPath(o.route, { ...real, [name]: bad }, true) + query, ...baseBody });
  }
  const queryParams = (op.parameters ?? []).filter((p) => p.in === "query");
  for (const p of queryParams) {
    const values = [...pick(rng, BAD_QUERY_VALUES, 8), ...(p.name === "cursor" ? badCursors().map(encodeURIComponent) : [])];
    for (const v of values) cases.push({ label: `query ${p.name}=${v.slice(0, 40)}`, url: withQuery(`${p.name}=${v}`), ...baseBody });
    cases.push({ label: `query ${p.name} twice`, url: withQuery(`${p.name}=1&${p.name}=2`), ...baseBody });
  }
  cases.push({ label: "unknown query parameter", url: withQuery("unexpected=%00"), ...baseBody });
  for (const headers of BAD_HEADERS) cases.push({ label: `header ${Object.keys(headers).join(",")}`, url, ...baseBody, headers: { ...baseBody.headers, ...headers } });

  if (o.method !== "GET") {
    for (const b of badBodies(valid, t.config.bodyLimitBytes)) cases.push({ label: `body ${b.label}`, url, headers: { "content-type": "application/json" }, payload: b.payload });
    for (const c of badContentTypes(json(valid ?? {}))) {
      cases.push({ label: `content-type ${c.contentType ?? "(none)"}`, url, headers: c.contentType ? { "content-type": c.contentType } : {}, payload: c.payload });
    }
  }
  for (const m of propertyMutations(valid, schema, doc, rng)) cases.push({ label: `body.${m.label}`, url, ...withBody(m.body) });
  return { cases, baseline: { label: "valid request", url, ...baseBody } };
}

/** Why a response breaks the contract, or undefined when it keeps it. */
function breach(status: number, contentType: string, body: string): string | undefined {
  if (status >= 500) return "server error";
  if (status < 400) return undefined;
  if (!contentType.startsWith("application/problem+json")) return `4xx as ${contentType || "no content type"}`;
  const problem = JSON.parse(body) as { code?: unknown; status?: unknown };
  if (typeof problem.code !== "string" || problem.code === "") return "problem without a code";
  if (problem.status !== status) return "problem status differs from the HTTP status";
  return undefined;
}

describe.runIf(fuzzHere)(`fuzzing every operation (FUZZ_SEED=${SEED})`, () => {
  it("never answers 5xx, and answers every 4xx with problem+json and a code", async () => {
    const rng = seededRng(SEED);
    const failures: string[] = [];
    const codes = new Map<string, number>();
    let sent = 0;
    const ops = operations();
    expect(ops.length).toBeGreaterThan(20);
    for (const o of ops) {
      // A fresh session per operation: logout and token revocation only spoil their own cases.
      const login = await call(t, "POST", "/api/v1/auth/login", { body: { email: a.owner.email, password: PASSWORD } });
      expect(login.status).toBe(200);
      const { cases, baseline } = casesFor(o, rng);
      for (const c of [...cases, baseline]) {
        const res = await t.app.inject({
          method: o.method as "GET",
          url: c.url,
          headers: { authorization: `Bearer ${login.body.token as string}`, ...c.headers },
          ...(c.payload === undefined ? {} : { payload: c.payload }),
        });
        sent++;
        const why = breach(res.statusCode, String(res.headers["content-type"] ?? ""), res.body);
        if (why) failures.push(`${o.method} ${o.route} [${c.label}] -> ${res.statusCode} ${why}: ${res.body.slice(0, 200)}`);
        else if (res.statusCode >= 400) {
          const code = (JSON.parse(res.body) as { code: string }).code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
    }
    expect(failures, `seed ${SEED}, ${sent} requests`).toEqual([]);
    // The fuzzer reached every layer: parser, content negotiation, schemas, services.
    for (const code of ["bad_request", "validation_failed", "unsupported_media_type", "payload_too_large", "not_found", "unauthenticated"]) {
      expect(codes.get(code) ?? 0, `no ${code} seen in ${sent} requests`).toBeGreaterThan(0);
    }
    // Hundreds of operations, each with a fresh argon2 login: minutes on a busy 2-core machine.
  }, 300_000);
});
