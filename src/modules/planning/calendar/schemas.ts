import { Type } from "typebox";
import { Nullable, Timestamp, Uuid } from "../../../http/schemas.js";
import { TaskDate } from "../../tasks/schemas.js";
import { CALENDAR_PRESETS } from "./presets.js";

export const Weekdays = Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
  minItems: 1,
  maxItems: 7,
  uniqueItems: true,
  description: "ISO weekdays that are working days: 1 = Monday .. 7 = Sunday",
});
const OrgHours = Type.Number({ exclusiveMinimum: 0, maximum: 24, description: "Working hours in a day" });

export const CalendarDay = Type.Object({
  date: Type.String({ format: "date" }),
  working: Type.Boolean({ description: "true: a working day whatever its weekday (调休上班); false: a day off" }),
  name: Type.String(),
  source: Nullable(Type.String({ description: "The built-in calendar it was imported from; null when entered by hand" })),
});

export const OrgCalendar = Type.Object({
  workingWeekdays: Type.Array(Type.Integer()),
  hoursPerDay: Type.Number(),
  version: Type.Integer(),
  days: Type.Array(CalendarDay, { description: "Holidays and make-up working days, by date" }),
});

export const UpdateCalendarBody = Type.Object(
  { workingWeekdays: Type.Optional(Weekdays), hoursPerDay: Type.Optional(OrgHours) },
  { additionalProperties: false },
);

export const PutDayBody = Type.Object(
  { working: Type.Boolean({ description: "false for a holiday, true for a make-up working day" }), name: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

const presetIds = CALENDAR_PRESETS.map((p) => Type.Literal(p.id));
export const ImportPresetBody = Type.Object(
  {
    preset: Type.Union(presetIds, { description: "A built-in calendar (GET /api/v1/calendar-presets)" }),
    years: Type.Optional(Type.Array(Type.Integer({ minimum: 1000, maximum: 2999 }), { minItems: 1, maxItems: 10, uniqueItems: true, description: "Default: every year it has" })),
  },
  { additionalProperties: false },
);

export const CalendarPresetList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.Object({ en: Type.String(), "zh-CN": Type.String() }),
      years: Type.Array(
        Type.Object({
          year: Type.Integer(),
          status: Type.Union([Type.Literal("official"), Type.Literal("provisional")], { description: "provisional: not yet published by the government" }),
          source: Type.String(),
          note: Type.String(),
          days: Type.Array(Type.Object({ date: Type.String({ format: "date" }), working: Type.Boolean(), name: Type.String() })),
        }),
      ),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});

export const CalendarDayParams = Type.Object({ orgId: Uuid, date: TaskDate });
export const TimeOffParams = Type.Object({ orgId: Uuid, userId: Uuid, timeOffId: Uuid });

export const TimeOff = Type.Object({ id: Uuid, userId: Uuid, startDate: Type.String({ format: "date" }), endDate: Type.String({ format: "date" }), note: Type.String(), createdAt: Timestamp });

export const UserCalendar = Type.Object({
  userId: Uuid,
  hoursPerDay: Type.Number({ description: "Effective: the person's own, else the org's" }),
  workingWeekdays: Type.Array(Type.Integer(), { description: "Effective: the person's own, else the org's" }),
  custom: Type.Object({ hoursPerDay: Nullable(Type.Number()), workingWeekdays: Nullable(Type.Array(Type.Integer())) }, { description: "What was set for this person; null = the org's" }),
  timeOff: Type.Array(TimeOff),
});

export const PutUserCalendarBody = Type.Object(
  {
    hoursPerDay: Nullable(Type.Number({ minimum: 0, maximum: 24, description: "Hours this person works a day (part time); null = the org's" })),
    workingWeekdays: Type.Optional(Nullable(Weekdays)),
  },
  { additionalProperties: false, description: "Replaces what was set for this person; an omitted or null field follows the org's calendar" },
);

export const CreateTimeOffBody = Type.Object(
  { startDate: TaskDate, endDate: TaskDate, note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
