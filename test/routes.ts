import type { RegisteredRoute } from "../src/app.js";
import type { TestApp } from "./app.js";

// The routes the app really registered, as the generic tests (OpenAPI, fuzz,
// tenancy) walk them: a new route is covered the day it is added.

/** Served outside the documented API: the document itself and its browsable renderer. */
export const isUndocumentedByDesign = (url: string): boolean => url === "/openapi.json" || url === "/docs" || url.startsWith("/docs/");

export function apiRoutes(t: TestApp): RegisteredRoute[] {
  return t.routes.filter((r) => !isUndocumentedByDesign(r.url));
}

/** `/orgs/:orgId` -> `/orgs/{orgId}`, the OpenAPI path template of a Fastify route. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** Names of the path parameters in a Fastify route url, in order. */
export const pathParams = (url: string): string[] => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

/** Substitutes path parameters; values are percent-encoded unless `raw` (fuzzing sends raw text on purpose). */
export function fillPath(url: string, values: Record<string, string>, raw = false): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for path parameter :${name} in ${url}`);
    return raw ? v : encodeURIComponent(v);
  });
}

export const routeLabel = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;
