import { Type } from "typebox";
import { Nullable, Uuid } from "../../../http/schemas.js";
import { TaskDate } from "../../tasks/schemas.js";

const Day = Type.String({ format: "date" });
const Hours = (description: string) => Type.Number({ description });

export const EarnedValueQuery = Type.Object(
  {
    from: TaskDate,
    to: TaskDate,
    interval: Type.Optional(Type.Union([Type.Literal("day"), Type.Literal("week"), Type.Literal("month")], { description: "Period length (default week: ISO weeks)" })),
    baselineId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const EarnedValue = Type.Object({
  projectId: Uuid,
  baselineId: Nullable(Uuid),
  interval: Type.String(),
  asOf: Type.String({ format: "date", description: "Today (UTC): periods ending later show only the planned value" }),
  budgetHours: Hours("Budget at completion: the estimates of the tasks without subtasks (the baseline's, with baselineId)"),
  periods: Type.Array(
    Type.Object({
      label: Type.String({ description: "The day, ISO week (2026-W49) or month (2026-12)" }),
      start: Day,
      end: Day,
      plannedValue: Hours("PV: budgeted hours of the work planned to be done by the end of the period"),
      earnedValue: Nullable(Hours("EV: each task's budget x its percent complete at the end of the period")),
      actualCost: Nullable(Hours("AC: hours logged up to the end of the period")),
      scheduleVariance: Nullable(Hours("SV = EV - PV")),
      costVariance: Nullable(Hours("CV = EV - AC")),
      spi: Nullable(Type.Number({ description: "EV / PV; null while PV is 0" })),
      cpi: Nullable(Type.Number({ description: "EV / AC; null while AC is 0" })),
    }),
  ),
});
