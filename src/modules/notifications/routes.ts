import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { TaskParams } from "../tasks/schemas.js";
import { requestedLocale } from "./render.js";
import { MarkReadBody, NotificationList, NotificationQuery, Preferences, PreferencesBody, UnreadCount, WatcherList } from "./schemas.js";
import type { NotificationsService } from "./service.js";

const tags = ["notifications"];

export function registerNotificationRoutes(app: App, notifications: NotificationsService): void {
  app.get(
    "/api/v1/me/notifications",
    {
      schema: {
        tags,
        summary: "My notifications, newest first",
        description: "Titles and bodies are in the language of Accept-Language (zh-CN or en), else in the user's locale.",
        querystring: NotificationQuery,
        response: { 200: NotificationList, ...errorResponses() },
      },
    },
    async (req) => notifications.list(actorOf(req), req.query, requestedLocale(req.headers["accept-language"])),
  );

  app.get(
    "/api/v1/me/notifications/unread-count",
    { schema: { tags, summary: "How many of my notifications are unread", response: { 200: UnreadCount, ...errorResponses() } } },
    async (req) => notifications.unreadCount(actorOf(req)),
  );

  app.post(
    "/api/v1/me/notifications/read",
    { schema: { tags, summary: "Mark notifications read: `{ids}` or `{all: true}`", body: MarkReadBody, response: { 204: { type: "null" }, ...errorResponses() } } },
    async (req, reply) => {
      await notifications.markRead(actorOf(req), req.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/me/notification-preferences",
    { schema: { tags, summary: "My notification channels per type, and e-mail mode", response: { 200: Preferences, ...errorResponses() } } },
    async (req) => notifications.preferences(actorOf(req)),
  );

  app.put(
    "/api/v1/me/notification-preferences",
    { schema: { tags, summary: "Change notification channels or e-mail mode", body: PreferencesBody, response: { 200: Preferences, ...errorResponses() } } },
    async (req) => notifications.updatePreferences(actorOf(req), req.body),
  );

  app.post(
    "/api/v1/tasks/:idOrKey/watch",
    {
      schema: {
        tags,
        summary: "Watch a task: comments and status changes notify me",
        params: TaskParams,
        response: { 204: { type: "null" }, ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      await notifications.watchers.setWatching(actorOf(req), req.params.idOrKey, true);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    "/api/v1/tasks/:idOrKey/watch",
    {
      schema: {
        tags,
        summary: "Stop watching a task",
        description: "Also silences the automatic watching of its reporter, assignee and mentioned users for me.",
        params: TaskParams,
        response: { 204: { type: "null" }, ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      await notifications.watchers.setWatching(actorOf(req), req.params.idOrKey, false);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/tasks/:idOrKey/watchers",
    {
      schema: {
        tags,
        summary: "Who watches a task, and why",
        description: "Reporter, assignee and mentioned users watch automatically; `explicit` watched it themselves.",
        params: TaskParams,
        response: { 200: WatcherList, ...errorResponses(404) },
      },
    },
    async (req) => notifications.watchers.list(actorOf(req), req.params.idOrKey),
  );
}
