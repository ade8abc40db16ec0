import { Type } from "typebox";
import { Nullable, Uuid } from "../../../http/schemas.js";

const Day = Type.String({ format: "date" });

export const ScheduledTaskSchema = Type.Object({
  id: Uuid,
  key: Type.String(),
  milestone: Type.Boolean(),
  durationDays: Type.Integer({ description: "Working days: startDate..dueDate inclusive, else ceil(estimateHours / hoursPerDay), at least 1; 0 for a milestone" }),
  earlyStart: Day,
  earlyFinish: Day,
  lateStart: Day,
  lateFinish: Day,
  slackDays: Type.Integer({ description: "Total slack in working days; negative when a fixed task of another project cannot be met" }),
  freeSlackDays: Type.Integer({ description: "How far it can slip without moving any successor" }),
  critical: Type.Boolean(),
  conflict: Type.Boolean({ description: "Its own dates are earlier than its dependencies allow; `driver` says which link" }),
  driver: Type.String({ description: "Why the task starts (or finishes) when it does, in the request's language" }),
  drivenBy: Type.Object({
    kind: Type.Union([Type.Literal("dependency"), Type.Literal("startDate"), Type.Literal("dueDate"), Type.Literal("milestoneDate"), Type.Literal("projectStart")]),
    taskId: Type.Optional(Uuid),
    taskKey: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    lagDays: Type.Optional(Type.Integer()),
  }),
});

export const Schedule = Type.Object({
  projectStart: Nullable(Day),
  projectFinish: Nullable(Day),
  criticalPath: Type.Array(Uuid, { description: "Critical tasks (slack <= 0) in order of their early start" }),
  conflicts: Type.Array(Uuid, { description: "Tasks whose own dates their dependencies contradict (manual scheduling)" }),
  tasks: Type.Array(ScheduledTaskSchema),
});
