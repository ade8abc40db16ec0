import { actorOf } from "../../../http/auth.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { TaskParams } from "../../tasks/schemas.js";
import { CreateDependencyBody, Dependency, DependencyParams, TaskDependencies, UpdateDependencyBody } from "./schemas.js";
import type { DependenciesService } from "./service.js";

const tags = ["planning"];

export function registerDependencyRoutes(app: App, dependencies: DependenciesService): void {
  app.post(
    "/api/v1/tasks/:idOrKey/dependencies",
    {
      schema: {
        tags,
        summary: "Make this task depend on another (FS, SS, FF, SF, with lag or lead)",
        description:
          "The predecessor may be in any project of the same organization you can see. A link that would close a loop is refused with 422 `dependency_cycle`, naming the loop by task keys; linking the same two tasks twice is 409 `dependency_exists`.",
        params: TaskParams,
        body: CreateDependencyBody,
        response: { 201: Dependency, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await dependencies.add(actorOf(req), req.params.idOrKey, req.body)),
  );

  app.get(
    "/api/v1/tasks/:idOrKey/dependencies",
    {
      schema: {
        tags,
        summary: "A task's predecessors and successors",
        params: TaskParams,
        response: { 200: TaskDependencies, ...errorResponses(404) },
      },
    },
    async (req) => dependencies.list(actorOf(req), req.params.idOrKey),
  );

  app.patch(
    "/api/v1/tasks/:idOrKey/dependencies/:dependencyId",
    {
      schema: {
        tags,
        summary: "Change a dependency's type or lag (from either of its tasks)",
        params: DependencyParams,
        body: UpdateDependencyBody,
        response: { 200: Dependency, ...errorResponses(403, 404) },
      },
    },
    async (req) => dependencies.update(actorOf(req), req.params.idOrKey, req.params.dependencyId, req.body),
  );

  app.delete(
    "/api/v1/tasks/:idOrKey/dependencies/:dependencyId",
    {
      schema: {
        tags,
        summary: "Remove a dependency (from either of its tasks)",
        params: DependencyParams,
        response: { 204: { type: "null" }, ...errorResponses(403, 404) },
      },
    },
    async (req, reply) => {
      await dependencies.remove(actorOf(req), req.params.idOrKey, req.params.dependencyId);
      return reply.code(204).send(null);
    },
  );
}
