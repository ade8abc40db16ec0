import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { ProjectParams } from "../projects/schemas.js";
import { Board, BoardQuery, MyTasksQuery, Summary, TaskList } from "./schemas.js";
import type { TasksService } from "./service.js";

const tags = ["tasks"];

export function registerBoardRoutes(app: App, tasks: TasksService): void {
  app.get(
    "/api/v1/projects/:projectId/board",
    {
      schema: {
        tags,
        summary: "The project board: one column per workflow status",
        description: "Each column holds the total matching the filters and its first 50 tasks by rank.",
        params: ProjectParams,
        querystring: BoardQuery,
        response: { 200: Board, ...errorResponses(404) },
      },
    },
    async (req) => tasks.views.board(actorOf(req), req.params.projectId, req.query),
  );

  app.get(
    "/api/v1/projects/:projectId/summary",
    { schema: { tags, summary: "Counts per status, progress, overdue and due this week", params: ProjectParams, response: { 200: Summary, ...errorResponses(404) } } },
    async (req) => tasks.views.summary(actorOf(req), req.params.projectId),
  );

  app.get(
    "/api/v1/me/tasks",
    {
      schema: {
        tags,
        summary: "Tasks assigned to me in every project I can see, soonest due first",
        querystring: MyTasksQuery,
        response: { 200: TaskList, ...errorResponses() },
      },
    },
    async (req) => tasks.views.mine(actorOf(req), req.query),
  );
}
