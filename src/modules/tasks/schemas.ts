import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";

export const PRIORITIES = ["urgent", "high", "medium", "low", "none"] as const;
export type Priority = (typeof PRIORITIES)[number];

const Title = Type.String({ minLength: 1, maxLength: 500, pattern: "\\S" });
const Description = Type.String({ maxLength: 100_000, description: "Markdown" });
export const StatusKey = Type.String({ pattern: "^[a-z][a-z0-9_]{0,31}$", description: "A status key of the project's workflow" });
const PrioritySchema = Type.Union([Type.Literal("urgent"), Type.Literal("high"), Type.Literal("medium"), Type.Literal("low"), Type.Literal("none")]);
// Years 1000..2999: a real calendar date PostgreSQL and every client can hold.
const DATE_PATTERN = "^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$";
export const TaskDate = Type.String({ format: "date", pattern: DATE_PATTERN, description: "YYYY-MM-DD" });
const Hours = Type.Number({ minimum: 0, maximum: 99_999_999, description: "Hours, kept to two decimals" });
const Progress = Type.Integer({ minimum: 0, maximum: 100 });
const Labels = Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: "\\S" }), {
  maxItems: 50,
  description: "Short labels; trimmed and de-duplicated",
});

export const Task = Type.Object({
  id: Uuid,
  key: Type.String({ description: "Human key, e.g. ENG-42" }),
  number: Type.Integer(),
  projectId: Uuid,
  title: Type.String(),
  description: Type.String(),
  status: Type.String(),
  priority: PrioritySchema,
  assigneeId: Nullable(Uuid),
  reporterId: Nullable(Uuid),
  startDate: Nullable(Type.String({ format: "date" })),
  dueDate: Nullable(Type.String({ format: "date" })),
  estimateHours: Nullable(Type.Number()),
  spentHours: Type.Number(),
  progress: Type.Integer({ description: "0..100; a parent's is rolled up from its subtasks, weighted by estimate" }),
  parentId: Nullable(Uuid),
  labels: Type.Array(Type.String()),
  milestone: Type.Boolean({ description: "A milestone lasts zero working days in the schedule" }),
  rank: Type.String({ description: "Board order within a status; compare as byte strings" }),
  pendingApprovalId: Nullable(Uuid),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const TaskList = listOf(Task);

/** Every writable field but the title, shared by create and update. */
const writableFields = {
  description: Type.Optional(Description),
  status: Type.Optional(StatusKey),
  priority: Type.Optional(PrioritySchema),
  assigneeId: Type.Optional(Nullable(Uuid)),
  startDate: Type.Optional(Nullable(TaskDate)),
  dueDate: Type.Optional(Nullable(TaskDate)),
  estimateHours: Type.Optional(Nullable(Hours)),
  parentId: Type.Optional(Nullable(Uuid)),
  labels: Type.Optional(Labels),
  progress: Type.Optional(Progress),
  milestone: Type.Optional(Type.Boolean()),
};

export const CreateTaskBody = Type.Object({ title: Title, ...writableFields }, { additionalProperties: false });

export const UpdateTaskBody = Type.Object({ title: Type.Optional(Title), ...writableFields }, { additionalProperties: false });

export const MoveTaskBody = Type.Object(
  {
    status: Type.Optional(StatusKey),
    afterId: Type.Optional(Nullable(Uuid)),
    beforeId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false, description: "Place the task right after afterId, else right before beforeId, else at the end of the column" },
);

export const TaskParams = Type.Object({ idOrKey: Type.String({ minLength: 1, maxLength: 100, description: "Task UUID or key like ENG-42" }) });

const filters = {
  status: Type.Optional(StatusKey),
  assigneeId: Type.Optional(Uuid),
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  parentId: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Text search in title and description (Chinese and English)" })),
  dueBefore: Type.Optional(Type.String({ format: "date", pattern: DATE_PATTERN, description: "Due strictly before this date (YYYY-MM-DD)" })),
};

export const TASK_SORTS = ["created", "-created", "due", "priority", "updated"] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

export const TaskListQuery = Type.Object(
  {
    ...filters,
    sort: Type.Optional(Type.Union([Type.Literal("created"), Type.Literal("-created"), Type.Literal("due"), Type.Literal("priority"), Type.Literal("updated")], { description: "created (oldest first), -created, due (soonest, none last), priority (most urgent first), updated (most recent first)" })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export const BoardQuery = Type.Object(filters, { additionalProperties: false });

export const MyTasksQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ pattern: "^[a-z][a-z0-9_]{0,31}$", description: "A status key, or `open`: not in a done-category status of its project" })),
    dueBefore: filters.dueBefore,
    ...ListQuery,
  },
  { additionalProperties: false },
);

export const Board = Type.Object({
  columns: Type.Array(
    Type.Object({
      status: Type.String(),
      name: Type.String(),
      category: Type.String(),
      total: Type.Integer({ description: "Tasks in this status matching the filters" }),
      tasks: Type.Array(Task, { description: "The first 50 by rank" }),
    }),
  ),
});

export const Summary = Type.Object({
  counts: Type.Record(Type.String(), Type.Integer(), { description: "Tasks per status key" }),
  progress: Type.Integer({ description: "Project progress 0..100 from top-level tasks, weighted by estimate" }),
  overdue: Type.Integer({ description: "Due before today (UTC) and not in a done-category status" }),
  dueThisWeek: Type.Integer({ description: "Due from today through Sunday (UTC) and not done" }),
  memberCount: Type.Integer(),
});

export const CreateCommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 100_000, pattern: "\\S", description: 'Markdown; @email, @name or @"Full Name" mention org members' }) },
  { additionalProperties: false },
);
export const Comment = Type.Object({
  id: Uuid,
  taskId: Uuid,
  authorId: Nullable(Uuid),
  body: Type.String(),
  mentions: Type.Array(Uuid),
  createdAt: Timestamp,
});
export const CommentList = listOf(Comment);
export const PageQuery = Type.Object(ListQuery, { additionalProperties: false });

export const Activity = Type.Object({
  at: Timestamp,
  actorId: Nullable(Uuid),
  action: Type.String({ description: "created, updated, moved, commented, progress_rolled_up, subtask_added, subtask_removed, subtask_deleted" }),
  changes: Type.Record(Type.String(), Type.Unknown(), { description: "field: {from, to}, or details of the action" }),
});
export const ActivityList = listOf(Activity);
