import { Type } from "typebox";
import { Nullable, Timestamp, Uuid, listOf } from "../../../http/schemas.js";
import { ProjectParams } from "../../projects/schemas.js";

const Day = Type.String({ format: "date" });

export const CreateBaselineBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" }) }, { additionalProperties: false });

export const Baseline = Type.Object({ id: Uuid, projectId: Uuid, name: Type.String(), createdBy: Nullable(Uuid), createdAt: Timestamp, taskCount: Type.Integer() });
export const BaselineList = listOf(Baseline);

const Span = Type.Object({ start: Day, finish: Day });
export const Variance = Type.Object({
  baseline: Baseline,
  projectFinish: Type.Object({
    baseline: Nullable(Day),
    current: Nullable(Day),
    varianceDays: Nullable(Type.Integer({ description: "Working days later (+) or earlier (-) than planned" })),
  }),
  tasks: Type.Array(
    Type.Object({
      taskId: Uuid,
      key: Type.String(),
      change: Type.Union([Type.Literal("kept"), Type.Literal("added"), Type.Literal("removed")], { description: "added: created after the baseline; removed: deleted since" }),
      planned: Nullable(Span),
      current: Nullable(Span),
      actual: Type.Object({ start: Nullable(Day), finish: Nullable(Day) }, { description: "First worklog or status change; last entry into its done status" }),
      startVarianceDays: Nullable(Type.Integer()),
      finishVarianceDays: Nullable(Type.Integer()),
    }),
  ),
});

export const BaselineParams = Type.Object({ projectId: ProjectParams.properties.projectId, baselineId: Uuid });
