import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../../http/schemas.js";
import { TaskDate, TaskParams } from "../../tasks/schemas.js";

export const CreateWorklogBody = Type.Object(
  {
    hours: Type.Number({ exclusiveMinimum: 0, maximum: 24, description: "Hours worked, kept to two decimals" }),
    date: TaskDate,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const Worklog = Type.Object({
  id: Uuid,
  taskId: Uuid,
  userId: Nullable(Uuid),
  date: Type.String({ format: "date" }),
  hours: Type.Number(),
  note: Type.String(),
  createdAt: Timestamp,
});
export const WorklogList = listOf(Worklog);
export const WorklogQuery = Type.Object(ListQuery, { additionalProperties: false });
export const WorklogParams = Type.Object({ idOrKey: TaskParams.properties.idOrKey, worklogId: Uuid });
