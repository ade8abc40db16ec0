import { Type } from "typebox";
import { Nullable, Uuid } from "../../../http/schemas.js";
import { TaskDate } from "../../tasks/schemas.js";

const Range = {
  from: TaskDate,
  to: TaskDate,
  includeCritical: Type.Optional(Type.Boolean({ description: "Also move critical tasks (this can move the project finish). Default false." })),
};
export const LevellingQuery = Type.Object(Range, { additionalProperties: false });
export const ApplyLevellingBody = Type.Object(
  { ...Range, basis: Type.String({ minLength: 1, maxLength: 100, description: "The `basis` of the proposal being applied" }) },
  { additionalProperties: false },
);

const Overload = Type.Object({ userId: Uuid, week: Type.String(), allocatedHours: Type.Number(), capacityHours: Type.Number() });
const DateChange = Type.Object({ from: Nullable(Type.String({ format: "date" })), to: Nullable(Type.String({ format: "date" })) });
const Change = Type.Object({
  taskId: Uuid,
  key: Type.String(),
  kind: Type.Union([Type.Literal("delay"), Type.Literal("reassign")]),
  startDate: Type.Optional(DateChange),
  dueDate: Type.Optional(DateChange),
  assigneeId: Type.Optional(Type.Object({ from: Uuid, to: Uuid })),
  delayDays: Type.Optional(Type.Integer()),
  relieves: Type.Object({ userId: Uuid, excessBefore: Type.Number(), excessAfter: Type.Number() }, { description: "Hours over capacity of the person relieved, before and after" }),
});

export const LevellingProposal = Type.Object({
  basis: Type.String({ description: "Identifies this proposal; send it back to apply exactly these changes" }),
  before: Type.Array(Overload, { description: "Overallocated person-weeks now" }),
  after: Type.Array(Overload, { description: "Overallocated person-weeks once the changes are applied" }),
  changes: Type.Array(Change),
});
