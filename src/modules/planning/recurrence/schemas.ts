import { Type } from "typebox";
import { Nullable, Timestamp, Uuid, listOf } from "../../../http/schemas.js";
import { ProjectParams } from "../../projects/schemas.js";
import { TaskDate } from "../../tasks/schemas.js";

const Rule = Type.Object(
  {
    freq: Type.Union([Type.Literal("daily"), Type.Literal("weekly"), Type.Literal("monthly")]),
    interval: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: "Every n days, weeks or months (default 1)" })),
    weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true, description: "weekly: ISO weekdays, 1 = Monday (default: the start date's)" })),
    monthDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, description: "monthly: day of the month, the last day in shorter months (default: the start date's)" })),
  },
  { additionalProperties: false },
);

const Template = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500, pattern: "\\S" }),
    description: Type.Optional(Type.String({ maxLength: 100_000 })),
    priority: Type.Optional(Type.Union([Type.Literal("urgent"), Type.Literal("high"), Type.Literal("medium"), Type.Literal("low"), Type.Literal("none")])),
    assigneeId: Type.Optional(Nullable(Uuid)),
    labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: "\\S" }), { maxItems: 50 })),
    estimateHours: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 99_999_999 }))),
    dueAfterDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 366, description: "Each task is due this many days after its occurrence date (default 0)" })),
  },
  { additionalProperties: false },
);

export const CreateRecurrenceBody = Type.Object(
  {
    template: Template,
    rule: Rule,
    startDate: TaskDate,
    endDate: Type.Optional(Nullable(TaskDate)),
    count: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000, description: "End after this many occurrences" }))),
  },
  { additionalProperties: false },
);

export const Recurrence = Type.Object({
  id: Uuid,
  projectId: Uuid,
  createdBy: Uuid,
  template: Template,
  rule: Rule,
  startDate: Type.String({ format: "date" }),
  endDate: Nullable(Type.String({ format: "date" })),
  count: Nullable(Type.Integer()),
  createdCount: Type.Integer(),
  lastDate: Nullable(Type.String({ format: "date" })),
  nextDate: Nullable(Type.String({ format: "date", description: "The next occurrence the cron role will create; null once ended" })),
  createdAt: Timestamp,
});
export const RecurrenceList = listOf(Recurrence);
export const RecurrenceParams = Type.Object({ projectId: ProjectParams.properties.projectId, recurrenceId: Uuid });
