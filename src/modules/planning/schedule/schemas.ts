import { Type } from "typebox";
import { Nullable, Uuid } from "../../../http/schemas.js";

const Day = Type.String({ format: "date" });

export const ScheduledTaskSchema = Type.Object({
  id: Uuid,
  key: Type.String(),
  milestone: Type.Boolean(),
  summary: Type.Boolean({ description: "It has subtasks: its dates span theirs (earliest start to latest finish); its own start date and links hold them all back" }),
  durationDays: Type.Integer({
    description: "Working days: startDate..dueDate inclusive, else ceil(estimateHours / hoursPerDay), at least 1; 0 for a milestone; a summary's: its subtasks' span",
  }),
  earlyStart: Day,
  earlyFinish: Day,
  lateStart: Day,
  lateFinish: Day,
  slackDays: Type.Integer({
    description: "Total slack in working days against the project finish; negative when a fixed task of another project cannot be met; a summary's is its tightest subtask's",
  }),
  freeSlackDays: Type.Integer({ description: "How far it can slip without moving any successor" }),
  critical: Type.Boolean(),
  conflict: Type.Boolean({ description: "Its own dates are earlier than its dependencies (or its summary) allow; `driver` says which" }),
  late: Type.Boolean({ description: "Its early finish is after its due date (the due date works as a deadline)" }),
  dueSlackDays: Nullable(
    Type.Integer({
      description: "Working days it can slip before it, or a task after it, misses a due date (or a linked task of another project); negative: that many days late; null: no due date ahead",
    }),
  ),
  driver: Type.String({ description: "Why the task starts (or finishes) when it does, in the request's language" }),
  drivenBy: Type.Object({
    kind: Type.Union([
      Type.Literal("dependency"),
      Type.Literal("startDate"),
      Type.Literal("dueDate"),
      Type.Literal("milestoneDate"),
      Type.Literal("parentStartDate"),
      Type.Literal("subtasks"),
      Type.Literal("projectStart"),
    ]),
    taskId: Type.Optional(Uuid),
    taskKey: Type.Optional(Type.String({ description: "dependency: the predecessor; parentStartDate: the summary; subtasks: the subtask that starts first" })),
    type: Type.Optional(Type.String()),
    lagDays: Type.Optional(Type.Integer()),
    viaParentId: Type.Optional(Uuid),
    viaParentKey: Type.Optional(Type.String({ description: "The link is to this summary task, and holds back all its subtasks" })),
  }),
});

export const Schedule = Type.Object({
  projectStart: Nullable(Day),
  projectFinish: Nullable(Day),
  criticalPath: Type.Array(Uuid, { description: "Critical tasks (slack <= 0) in order of their early start" }),
  conflicts: Type.Array(Uuid, { description: "Tasks whose own dates their dependencies contradict (manual scheduling)" }),
  late: Type.Array(Uuid, { description: "Tasks that finish after their due date" }),
  tasks: Type.Array(ScheduledTaskSchema),
});
