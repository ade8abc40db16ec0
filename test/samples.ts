import { fillPath, openApiPath } from "./routes.js";

// Plausible values for a JSON schema taken from the OpenAPI document: the body a
// well-behaved client would send. The fuzz test mutates them; the tenancy test
// sends them as they are, so a 404 is the access check and not a 400.

export type Schema = Record<string, unknown>;
export type OpenApiDoc = {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
};
export interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** Follows `#/components/schemas/X` references (and nothing else: the document has no other kind). */
export function resolve(schema: Schema | undefined, doc: OpenApiDoc): Schema {
  let s = schema ?? {};
  for (let depth = 0; typeof s.$ref === "string" && depth < 20; depth++) {
    const name = s.$ref.replace("#/components/schemas/", "");
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
}

/** The branches of a union, `null` last, so callers pick a real value first. */
export function branches(schema: Schema, doc: OpenApiDoc): Schema[] {
  const s = resolve(schema, doc);
  const list = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (list) return list.flatMap((b) => branches(b, doc)).sort((a, b) => Number(a.type === "null") - Number(b.type === "null"));
  if (Array.isArray(s.type)) return (s.type as string[]).map((type) => ({ ...s, type })).sort((a, b) => Number(a.type === "null") - Number(b.type === "null"));
  return [s];
}

export const typeOf = (schema: Schema, doc: OpenApiDoc): string | undefined => {
  const first = branches(schema, doc)[0]!;
  if (first.const !== undefined || first.enum !== undefined) return typeof (first.const ?? (first.enum as unknown[])[0]);
  return first.type as string | undefined;
};

let counter = 0;

/** A string that satisfies pattern, length and format, unique per call where the shape allows it. */
function sampleString(s: Schema, prop: string, ids: Record<string, string>): string {
  const n = ++counter;
  switch (s.format) {
    case "uuid":
      return ids[prop] ?? "4f1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13";
    case "email":
      return `sample-${n}@example.com`;
    // In the future, and later with every call, so a `from` sampled before a `to` comes first.
    case "date":
      return new Date(Date.now() + (7 + n) * 86_400_000).toISOString().slice(0, 10);
    case "date-time":
      return new Date(Date.now() + (30 + n) * 86_400_000).toISOString();
    default:
  }
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? 200;
  const fit = (v: string) => (v.length < min ? v.padEnd(min, "x") : v).slice(0, max);
  const candidates = [`Sample ${prop} ${n}`, `s${n}`, `S${n}`, `sample-${n}`, `${n}`, "todo", "done", "in_progress", "a"].map(fit);
  if (typeof s.pattern !== "string") return candidates[0]!;
  const re = new RegExp(s.pattern, "u");
  const found = candidates.find((c) => re.test(c));
  if (found === undefined) throw new Error(`test/samples.ts: no sample string matches /${s.pattern}/ (${prop}); add a candidate`);
  return found;
}

/** A valid value for schema; `ids` supplies real ids for uuid fields by property name. */
export function sampleOf(schema: Schema | undefined, doc: OpenApiDoc, ids: Record<string, string> = {}, prop = "value"): unknown {
  const s = branches(schema ?? {}, doc)[0]!;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (s.type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      // With nothing required (a PATCH), one field makes the request plausible.
      const names = required.length > 0 ? required : Object.keys(props).slice(0, 1);
      return Object.fromEntries(names.map((name) => [name, sampleOf(props[name], doc, ids, name)]));
    }
    case "array": {
      const items = Array.from({ length: (s.minItems as number | undefined) ?? 0 }, () => sampleOf(s.items as Schema, doc, ids, prop));
      return s.uniqueItems ? [...new Set(items.map((i) => JSON.stringify(i)))].map((i) => JSON.parse(i) as unknown) : items;
    }
    case "string":
      return sampleString(s, prop, ids);
    case "integer":
    case "number": {
      const min = (s.minimum as number | undefined) ?? ((s.exclusiveMinimum as number | undefined) ?? 0) + 1;
      return Math.min(min, (s.maximum as number | undefined) ?? min);
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return {};
  }
}

/** The JSON request body schema of an operation, if it takes one. */
export const bodySchemaOf = (op: OpenApiOperation): Schema | undefined => op.requestBody?.content?.["application/json"]?.schema;

/** `?a=1&b=x` with a plausible value for every required query parameter ("" when none is required). */
export function requiredQueryOf(op: OpenApiOperation, doc: OpenApiDoc, ids: Record<string, string> = {}): string {
  const params = (op.parameters ?? []).filter((p) => p.in === "query" && p.required);
  const query = new URLSearchParams(params.map((p): [string, string] => [p.name, String(sampleOf(p.schema, doc, ids, p.name))]));
  return params.length > 0 ? `?${query.toString()}` : "";
}

/** The request a legitimate client would send: path filled, required query parameters set, a valid body. */
export function plausibleRequest(doc: OpenApiDoc, method: string, route: string, pathValues: Record<string, string>, ids: Record<string, string>) {
  const op = doc.paths[openApiPath(route)]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${route} is not in the OpenAPI document`);
  const schema = bodySchemaOf(op);
  const query = requiredQueryOf(op, doc, ids);
  return { op, schema, query, url: fillPath(route, pathValues) + query, body: schema ? sampleOf(schema, doc, ids) : undefined };
}
