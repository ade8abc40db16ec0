import { actorOf } from "../../http/auth.js";
import { ifMatchVersion, setEtag } from "../../http/etag.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { ProjectParams } from "../projects/schemas.js";
import { registerBoardRoutes } from "./board.routes.js";
import { registerCommentRoutes } from "./comments.routes.js";
import { CreateTaskBody, MoveTaskBody, Task, TaskList, TaskListQuery, TaskParams, UpdateTaskBody } from "./schemas.js";
import type { TasksService } from "./service.js";
import { Instance } from "../approvals/schemas.js";
import { Type } from "typebox";

/** 202 answer of a guarded transition: the unchanged task and the approval it now waits for. */
const GuardedChange = Type.Object({ task: Task, approval: Instance });

const tags = ["tasks"];

export function registerTaskRoutes(app: App, tasks: TasksService): void {
  app.post(
    "/api/v1/projects/:projectId/tasks",
    {
      schema: {
        tags,
        summary: "Create a task (project members)",
        description: "Starts in the workflow's first status unless `status` names one reachable from it. The task gets the next number of the project (key ENG-42) and the last place in its board column.",
        params: ProjectParams,
        body: CreateTaskBody,
        response: { 201: Task, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const task = await tasks.create(actorOf(req), req.params.projectId, req.body);
      setEtag(reply, task.version);
      return reply.code(201).send(task);
    },
  );

  app.get(
    "/api/v1/projects/:projectId/tasks",
    {
      schema: {
        tags,
        summary: "List and search a project's tasks",
        description: "Filters combine with AND. `q` searches title and description, Chinese and English (every whitespace-separated term must occur). Keyset pagination: pass `nextCursor` back with the same `sort`.",
        params: ProjectParams,
        querystring: TaskListQuery,
        response: { 200: TaskList, ...errorResponses(404) },
      },
    },
    async (req) => tasks.views.list(actorOf(req), req.params.projectId, req.query),
  );

  app.get(
    "/api/v1/tasks/:idOrKey",
    { schema: { tags, summary: "A task, by UUID or key (ENG-42)", params: TaskParams, response: { 200: Task, ...errorResponses(404) } } },
    async (req, reply) => {
      const task = await tasks.get(actorOf(req), req.params.idOrKey);
      setEtag(reply, task.version);
      return task;
    },
  );

  app.patch(
    "/api/v1/tasks/:idOrKey",
    {
      schema: {
        tags,
        summary: "Change a task; If-Match optional",
        description: "Status changes follow the workflow. A transition guarded by an approval flow answers 202 `{task, approval}`: the task keeps its status and shows `pendingApprovalId` until the approval ends (approved: the move is applied). Entering a done-category status sets progress to 100 unless `progress` is given.",
        params: TaskParams,
        body: UpdateTaskBody,
        response: { 200: Task, 202: GuardedChange, ...errorResponses(403, 404, 409, 412, 422) },
      },
    },
    async (req, reply) => {
      const change = await tasks.update(actorOf(req), req.params.idOrKey, req.body, ifMatchVersion(req));
      setEtag(reply, change.task.version);
      return change.approval ? reply.code(202).send({ task: change.task, approval: change.approval }) : change.task;
    },
  );

  app.delete(
    "/api/v1/tasks/:idOrKey",
    {
      schema: {
        tags,
        summary: "Delete a task and its subtasks (project manager or reporter)",
        params: TaskParams,
        response: { 204: { type: "null" }, ...errorResponses(403, 404) },
      },
    },
    async (req, reply) => {
      await tasks.remove(actorOf(req), req.params.idOrKey);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/v1/tasks/:idOrKey/move",
    {
      schema: {
        tags,
        summary: "Move a task on the board (drag and drop)",
        description: "Optionally changes the status (workflow rules apply, as for PATCH) and places the task between its new neighbours without renumbering anyone.",
        params: TaskParams,
        body: MoveTaskBody,
        response: { 200: Task, 202: GuardedChange, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const change = await tasks.move(actorOf(req), req.params.idOrKey, req.body);
      setEtag(reply, change.task.version);
      return change.approval ? reply.code(202).send({ task: change.task, approval: change.approval }) : change.task;
    },
  );

  registerBoardRoutes(app, tasks);
  registerCommentRoutes(app, tasks);
}
