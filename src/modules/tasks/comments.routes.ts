import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { ActivityList, Comment, CommentList, CreateCommentBody, PageQuery, TaskParams } from "./schemas.js";
import type { TasksService } from "./service.js";

const tags = ["tasks"];

export function registerCommentRoutes(app: App, tasks: TasksService): void {
  app.post(
    "/api/v1/tasks/:idOrKey/comments",
    {
      schema: {
        tags,
        summary: "Comment on a task; @mentions notify",
        description: 'Mentions: `@email`, `@name`, or `@"Full Name"`, resolved among the organization\'s members who can see the project.',
        params: TaskParams,
        body: CreateCommentBody,
        response: { 201: Comment, ...errorResponses(403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await tasks.comments.create(actorOf(req), req.params.idOrKey, req.body.body)),
  );

  app.get(
    "/api/v1/tasks/:idOrKey/comments",
    { schema: { tags, summary: "A task's comments, oldest first", params: TaskParams, querystring: PageQuery, response: { 200: CommentList, ...errorResponses(404) } } },
    async (req) => tasks.comments.list(actorOf(req), req.params.idOrKey, req.query),
  );

  app.get(
    "/api/v1/tasks/:idOrKey/activity",
    {
      schema: {
        tags,
        summary: "Everything that happened to a task, in order",
        description: "Each change records the fields as {from, to}; also comments, moves, subtask changes and progress roll-ups.",
        params: TaskParams,
        querystring: PageQuery,
        response: { 200: ActivityList, ...errorResponses(404) },
      },
    },
    async (req) => tasks.comments.activity(actorOf(req), req.params.idOrKey, req.query),
  );
}
