import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Config } from "../../config.js";
import type { App } from "../../http/types.js";

type OpenApiDocument = Record<string, unknown> & { paths?: Record<string, Record<string, { responses?: Record<string, Response> }>> };
interface Response {
  content?: Record<string, { schema?: { $ref?: string } }>;
}

const PROBLEM_REF = "#/components/schemas/Problem";

/**
 * Error bodies are sent as application/problem+json (http/problem.ts); route schemas
 * only say "Problem", so the document is told the real media type here, once.
 */
function problemMediaType(doc: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const json = response.content?.["application/json"];
        if (Number(status) >= 400 && json?.schema?.$ref === PROBLEM_REF) response.content = { "application/problem+json": json };
      }
    }
  }
  return doc;
}

/** The OpenAPI 3.1 document (from the route schemas) and the browsable reference at /docs, served from local files. */
export async function registerOpenApi(app: App, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Plinth API", version: "1", description: "Projects, tasks, schedules and approval flows. 项目、任务、排期与审批流。" },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "Session token from login, or a personal access token" },
          cookie: { type: "apiKey", in: "cookie", name: "plinth_session" },
          queryToken: { type: "apiKey", in: "query", name: "token", description: "Token as a query parameter; only GET /api/v1/events (WebSocket) takes it" },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
    transformObject: (documents) => ("openapiObject" in documents ? problemMediaType(documents.openapiObject as OpenApiDocument) : documents.swaggerObject),
  });
  // The browsable reference is public, like the document it renders.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs")) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
}
