import { Type } from "typebox";
import { Uuid } from "../../../http/schemas.js";
import { TaskDate } from "../../tasks/schemas.js";

export const WorkloadQuery = Type.Object(
  {
    from: TaskDate,
    to: TaskDate,
    projectId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

const WeekLabel = Type.String({ description: "ISO week, e.g. 2026-W49" });

export const Workload = Type.Object({
  weeks: Type.Array(Type.Object({ week: WeekLabel, start: Type.String({ format: "date" }), end: Type.String({ format: "date" }) }), {
    description: "Whole ISO weeks (Monday to Sunday) covering from..to",
  }),
  users: Type.Array(
    Type.Object({
      userId: Uuid,
      name: Type.String(),
      weeks: Type.Array(
        Type.Object({
          week: WeekLabel,
          capacityHours: Type.Number({ description: "Working days (org calendar, the person's week, minus time off) x the person's hours per day" }),
          allocatedHours: Type.Number({ description: "Remaining estimates spread over the working days between start and due (this project's only, with projectId)" }),
          totalAllocatedHours: Type.Number({ description: "All of the person's allocated hours in the org" }),
          overallocated: Type.Boolean({ description: "totalAllocatedHours > capacityHours" }),
        }),
      ),
      unscheduledHours: Type.Number({ description: "Remaining hours of assigned open tasks without any date" }),
    }),
  ),
});
