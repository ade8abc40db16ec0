import { actorOf } from "../../../http/auth.js";
import { ifMatchVersion, setEtag } from "../../../http/etag.js";
import { errorResponses } from "../../../http/schemas.js";
import type { App } from "../../../http/types.js";
import { MemberParams, OrgParams } from "../../orgs/schemas.js";
import {
  CalendarDay,
  CalendarDayParams,
  CalendarPresetList,
  CreateTimeOffBody,
  ImportPresetBody,
  OrgCalendar,
  PutDayBody,
  PutUserCalendarBody,
  TimeOff,
  TimeOffParams,
  UpdateCalendarBody,
  UserCalendar,
} from "./schemas.js";
import type { CalendarService } from "./service.js";

const tags = ["planning"];

export function registerCalendarRoutes(app: App, calendar: CalendarService): void {
  app.get(
    "/api/v1/calendar-presets",
    {
      schema: {
        tags,
        summary: "Built-in public-holiday calendars (mainland China 2026 and 2027)",
        description: "Each year says whether it is official (as published) or provisional (statutory days only, awaiting the official notice).",
        response: { 200: CalendarPresetList, ...errorResponses() },
      },
    },
    async () => calendar.presets(),
  );

  app.get(
    "/api/v1/orgs/:orgId/calendar",
    { schema: { tags, summary: "The org's working calendar: working weekdays, hours per day, holidays and make-up days", params: OrgParams, response: { 200: OrgCalendar, ...errorResponses(404) } } },
    async (req, reply) => {
      const view = await calendar.get(actorOf(req), req.params.orgId);
      setEtag(reply, view.version);
      return view;
    },
  );

  app.patch(
    "/api/v1/orgs/:orgId/calendar",
    {
      schema: {
        tags,
        summary: "Change the working week or hours per day (admin+); If-Match optional",
        params: OrgParams,
        body: UpdateCalendarBody,
        response: { 200: OrgCalendar, ...errorResponses(403, 404, 412) },
      },
    },
    async (req, reply) => {
      const view = await calendar.update(actorOf(req), req.params.orgId, req.body, ifMatchVersion(req));
      setEtag(reply, view.version);
      return view;
    },
  );

  app.put(
    "/api/v1/orgs/:orgId/calendar/days/:date",
    {
      schema: {
        tags,
        summary: "Make a date a holiday or a make-up working day (admin+)",
        params: CalendarDayParams,
        body: PutDayBody,
        response: { 200: CalendarDay, ...errorResponses(403, 404, 422) },
      },
    },
    async (req) => calendar.putDay(actorOf(req), req.params.orgId, req.params.date, req.body),
  );

  app.delete(
    "/api/v1/orgs/:orgId/calendar/days/:date",
    { schema: { tags, summary: "Return a date to its weekday's rule (admin+)", params: CalendarDayParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await calendar.removeDay(actorOf(req), req.params.orgId, req.params.date);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/v1/orgs/:orgId/calendar/import",
    {
      schema: {
        tags,
        summary: "Copy a built-in holiday calendar into the org's (admin+)",
        description: "Days on the same dates are replaced; the copied days can then be edited one by one.",
        params: OrgParams,
        body: ImportPresetBody,
        response: { 200: OrgCalendar, ...errorResponses(403, 404, 422) },
      },
    },
    async (req, reply) => {
      const view = await calendar.importPreset(actorOf(req), req.params.orgId, req.body);
      setEtag(reply, view.version);
      return view;
    },
  );

  app.get(
    "/api/v1/orgs/:orgId/calendar/users/:userId",
    { schema: { tags, summary: "A member's capacity (hours per day, working days) and time off", params: MemberParams, response: { 200: UserCalendar, ...errorResponses(403, 404) } } },
    async (req) => calendar.getUser(actorOf(req), req.params.orgId, req.params.userId),
  );

  app.put(
    "/api/v1/orgs/:orgId/calendar/users/:userId",
    {
      schema: { tags, summary: "Set a member's capacity, e.g. part time (admin+)", params: MemberParams, body: PutUserCalendarBody, response: { 200: UserCalendar, ...errorResponses(403, 404) } },
    },
    async (req) => calendar.putUser(actorOf(req), req.params.orgId, req.params.userId, req.body),
  );

  app.post(
    "/api/v1/orgs/:orgId/calendar/users/:userId/time-off",
    {
      schema: {
        tags,
        summary: "Record time off (your own, or anyone's as admin+)",
        description: "Whole days from startDate to endDate inclusive, at most 366 days.",
        params: MemberParams,
        body: CreateTimeOffBody,
        response: { 201: TimeOff, ...errorResponses(403, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await calendar.addTimeOff(actorOf(req), req.params.orgId, req.params.userId, req.body)),
  );

  app.delete(
    "/api/v1/orgs/:orgId/calendar/users/:userId/time-off/:timeOffId",
    { schema: { tags, summary: "Cancel time off (your own, or anyone's as admin+)", params: TimeOffParams, response: { 204: { type: "null" }, ...errorResponses(403, 404) } } },
    async (req, reply) => {
      await calendar.removeTimeOff(actorOf(req), req.params.orgId, req.params.userId, req.params.timeOffId);
      return reply.code(204).send(null);
    },
  );
}
