import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./app.js";
import { call } from "./http.js";
import { apiRoutes, openApiPath, pathParams, routeLabel } from "./routes.js";

// The OpenAPI document must describe every route the app registered, with its
// inputs and its answers, errors included. The routes come from the app itself,
// so a route added tomorrow is checked without touching this file.

/** POST routes that take no body at all; any other POST must document one. */
const BODYLESS_POSTS = new Set([
  "POST /api/v1/auth/logout",
  "POST /api/v1/admin/jobs/:jobId/retry",
  "POST /api/v1/admin/backups",
  "POST /api/v1/orgs/:orgId/approval-flows/:key/archive",
  "POST /api/v1/orgs/:orgId/approval-flows/:key/restore",
  "POST /api/v1/orgs/:orgId/webhooks/:webhookId/test",
  "POST /api/v1/orgs/:orgId/webhooks/:webhookId/deliveries/:deliveryId/redeliver",
  "POST /api/v1/tasks/:idOrKey/watch",
]);

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  security?: unknown[];
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components?: Record<string, Record<string, unknown>> };

let t: TestApp;
let doc: Doc;
beforeAll(async () => {
  t = await createTestApp();
  const res = await call(t, "GET", "/openapi.json");
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => t.close());

const operationOf = (method: string, url: string): Operation | undefined => doc.paths[openApiPath(url)]?.[method.toLowerCase()];
const isProblem = (r: { content?: Record<string, { schema?: { $ref?: string } }> } | undefined) =>
  r?.content?.["application/problem+json"]?.schema?.$ref === "#/components/schemas/Problem";

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("describes every registered route, and nothing that is not one", () => {
    const routes = apiRoutes(t);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => !operationOf(r.method, r.url)).map(routeLabel);
    expect(missing, "routes missing from /openapi.json (a route hidden from the document must not exist)").toEqual([]);
    const registered = new Set(routes.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.filter((d) => !registered.has(d))).toEqual([]);
  });

  it("gives every operation a summary and unique operation ids", () => {
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(ops.filter((o) => !o.summary?.trim()).length, "operations without a summary").toBe(0);
    const ids = ops.map((o) => o.operationId).filter((id): id is string => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents the path parameters, query and body each route takes", () => {
    const problems: string[] = [];
    for (const r of apiRoutes(t)) {
      const op = operationOf(r.method, r.url)!;
      const label = routeLabel(r);
      const inPath = new Set((op.parameters ?? []).filter((p) => p.in === "path" && p.required && p.schema).map((p) => p.name));
      for (const name of pathParams(r.url)) if (!inPath.has(name)) problems.push(`${label}: path parameter ${name} has no schema`);
      if (r.schema?.querystring && !(op.parameters ?? []).some((p) => p.in === "query")) problems.push(`${label}: query schema not documented`);
      const needsBody = r.method === "PUT" || r.method === "PATCH" || (r.method === "POST" && !BODYLESS_POSTS.has(label));
      const body = op.requestBody?.content?.["application/json"]?.schema;
      if (needsBody && !body) problems.push(`${label}: no request body schema (or add it to BODYLESS_POSTS if it really takes none)`);
      if (body && body.type === "object" && body.additionalProperties !== false) problems.push(`${label}: body schema must refuse unknown fields`);
    }
    expect(problems).toEqual([]);
  });

  it("documents a success response and problem+json error responses for every operation", () => {
    const problems: string[] = [];
    for (const r of apiRoutes(t)) {
      const op = operationOf(r.method, r.url)!;
      const label = routeLabel(r);
      const responses = Object.entries(op.responses ?? {});
      // A WebSocket handshake succeeds with 101 Switching Protocols, which has no body.
      const success = responses.filter(([s]) => /^2\d\d$/.test(s) || s === "101");
      if (success.length === 0) problems.push(`${label}: no 2xx response`);
      for (const [s, resp] of success) if (s !== "204" && s !== "101" && !resp.content) problems.push(`${label}: ${s} has no body schema`);
      const clientErrors = responses.filter(([s]) => /^4\d\d$/.test(s));
      for (const [s, resp] of clientErrors) if (!isProblem(resp)) problems.push(`${label}: ${s} is not application/problem+json Problem`);
      // Only a public route that takes no input at all (liveness, metrics) can never answer 4xx.
      const takesInput = pathParams(r.url).length > 0 || Boolean(r.schema?.querystring ?? r.schema?.body ?? r.schema?.headers);
      if (clientErrors.length === 0 && (takesInput || !r.isPublic)) problems.push(`${label}: no 4xx problem response documented`);
    }
    expect(problems).toEqual([]);
  });

  it("resolves every $ref inside the document", () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter((ref) => {
      if (!ref.startsWith("#/")) return true;
      let node: unknown = doc;
      for (const part of ref.slice(2).split("/")) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
      return node === undefined;
    });
    expect(unresolved).toEqual([]);
  });

  it("marks only the public routes as needing no authentication", () => {
    const wrong = apiRoutes(t)
      .filter((r) => (operationOf(r.method, r.url)!.security?.length === 0) !== r.isPublic)
      .map(routeLabel);
    expect(wrong).toEqual([]);
  });
});

describe("the browsable reference at /docs", () => {
  it("is served from this server, with no asset fetched from elsewhere", async () => {
    const page = await call(t, "GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    const html = String(page.body);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const asset of assets) {
      const res = await t.app.inject({ method: "GET", url: asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.body, asset).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs|jsdelivr)/);
    }
  });

  it("renders the same document as /openapi.json", async () => {
    const init = await t.app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain("resolveUrl('./json')");
    // Swagger UI would otherwise send the document to validator.swagger.io for its badge.
    expect(init.body).toMatch(/validatorUrl:\s*null/);
    const rendered = await call(t, "GET", "/docs/json");
    expect(rendered.status).toBe(200);
    expect(rendered.body).toEqual(doc);
  });
});
