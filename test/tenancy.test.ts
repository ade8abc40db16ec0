import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegisteredRoute } from "../src/app.js";
import { createTestApp, type TestApp } from "./app.js";
import { orgWithOwner, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { apiRoutes, pathParams, routeLabel } from "./routes.js";
import { plausibleRequest, type OpenApiDoc } from "./samples.js";
import { buildTenant, pathValueSets, samplesFor, type Sample, type Tenant } from "./tenant.js";

// Another organization's objects do not exist for you: every route that names a
// resource answers 404, never 403 and never 2xx. The routes come from the app,
// the ids from an org that has one of everything, so new routes are covered.

let t: TestApp;
let a: Tenant;
let outsider: TestUser;
let doc: OpenApiDoc;

beforeAll(async () => {
  t = await createTestApp();
  a = await buildTenant(t);
  outsider = (await orgWithOwner(t)).owner;
  doc = (await call(t, "GET", "/openapi.json")).body;
});
afterAll(async () => t.close());

const routesNamingResources = () => apiRoutes(t).filter((r) => pathParams(r.url).length > 0);

/** Sample ids for each route, or one failure listing every route whose parameter has no sample. */
function sampledRoutes(routes: RegisteredRoute[]): { route: RegisteredRoute; sampled: Record<string, Sample> }[] {
  const unknown: string[] = [];
  const out = routes.flatMap((route) => {
    try {
      return [{ route, sampled: samplesFor(route, a.samples) }];
    } catch (err) {
      unknown.push((err as Error).message);
      return [];
    }
  });
  expect(unknown, "routes with path parameters the tenancy fixture cannot fill").toEqual([]);
  return out;
}

/** The request a legitimate client would send, so that only the access check can refuse it. */
const plausible = (route: RegisteredRoute, values: Record<string, string>) => plausibleRequest(doc, route.method, route.url, values, a.bodyIds);

async function expectNotFoundFor(user: TestUser, targets: { route: RegisteredRoute; sampled: Record<string, Sample> }[]): Promise<number> {
  const leaks: string[] = [];
  let calls = 0;
  for (const { route, sampled } of targets) {
    for (const values of pathValueSets(sampled)) {
      const req = plausible(route, values);
      const res = await call(t, route.method as "GET", req.url, { token: user.token, ...(req.body === undefined ? {} : { body: req.body }) });
      calls++;
      if (res.status !== 404 || res.body?.code !== "not_found") leaks.push(`${routeLabel(route)} as ${req.url} -> ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
    }
  }
  expect(leaks).toEqual([]);
  return calls;
}

describe("cross-tenant isolation", () => {
  it("uses sample ids that really exist: the owning org's owner can read every one of them", async () => {
    const failures: string[] = [];
    for (const { route, sampled } of sampledRoutes(routesNamingResources().filter((r) => r.method === "GET"))) {
      for (const values of pathValueSets(sampled)) {
        const res = await call(t, "GET", plausible(route, values).url, { token: a.owner.token });
        if (res.status !== 200) failures.push(`${routeLabel(route)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 to another org's owner on every route that names a resource of the org", async () => {
    const targets = sampledRoutes(routesNamingResources());
    expect(targets.length).toBeGreaterThanOrEqual(15);
    const calls = await expectNotFoundFor(outsider, targets);
    expect(calls).toBeGreaterThanOrEqual(targets.length);
  });

  it("shows nothing of the org in another org owner's lists and own views", async () => {
    const seen: string[] = [];
    const ownViews = apiRoutes(t).filter((r) => r.method === "GET" && pathParams(r.url).length === 0 && !r.isPublic);
    for (const route of ownViews) {
      const res = await call(t, "GET", plausible(route, {}).url, { token: outsider.token });
      // Instance administration is refused outright to everyone who is not an instance administrator;
      // the event stream is a WebSocket (426 to a plain GET; what it sends whom: test/realtime.test.ts).
      const expected = route.url.startsWith("/api/v1/admin/") ? 403 : route.url === "/api/v1/events" ? 426 : 200;
      expect(res.status, routeLabel(route)).toBe(expected);
      const text = JSON.stringify(res.body);
      for (const id of a.allIds) if (text.includes(id)) seen.push(`${routeLabel(route)} shows ${id}`);
    }
    expect(seen).toEqual([]);
  });
});

describe("guests", () => {
  it("see the project they were added to", async () => {
    expect((await call(t, "GET", `/api/v1/projects/${a.sharedProjectId}`, { token: a.guest.token })).status).toBe(200);
    const list = await call(t, "GET", `/api/v1/orgs/${a.orgId}/projects`, { token: a.guest.token });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([a.sharedProjectId]);
  });

  it("get 404 on every route inside a project of their org they are not a member of", async () => {
    const inProject = sampledRoutes(routesNamingResources()).filter(({ sampled }) => Object.values(sampled).some((s) => s.scope === "project"));
    expect(inProject.length).toBeGreaterThanOrEqual(6);
    await expectNotFoundFor(a.guest, inProject);
  });
});
