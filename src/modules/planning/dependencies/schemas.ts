import { Type } from "typebox";
import { Nullable, Timestamp, Uuid } from "../../../http/schemas.js";
import { TaskParams } from "../../tasks/schemas.js";

export const DependencyTypeSchema = Type.Union([Type.Literal("FS"), Type.Literal("SS"), Type.Literal("FF"), Type.Literal("SF")], {
  description: "FS finish-to-start, SS start-to-start, FF finish-to-finish, SF start-to-finish",
});
const LagDays = Type.Integer({ minimum: -1000, maximum: 1000, description: "Working days of the org calendar; negative is a lead" });

export const CreateDependencyBody = Type.Object(
  {
    predecessorId: Type.String({ format: "uuid", description: "The task this one depends on (same org, any project you can see)" }),
    type: DependencyTypeSchema,
    lagDays: Type.Optional(LagDays),
  },
  { additionalProperties: false },
);

export const UpdateDependencyBody = Type.Object(
  { type: Type.Optional(DependencyTypeSchema), lagDays: Type.Optional(LagDays) },
  { additionalProperties: false },
);

export const Dependency = Type.Object({
  id: Uuid,
  predecessorId: Uuid,
  predecessorKey: Type.String(),
  successorId: Uuid,
  successorKey: Type.String(),
  type: DependencyTypeSchema,
  lagDays: Type.Integer(),
  createdAt: Timestamp,
});

const LinkedTask = Type.Object({
  id: Uuid,
  key: Type.String(),
  title: Type.String(),
  projectId: Uuid,
  status: Type.String(),
  startDate: Nullable(Type.String({ format: "date" })),
  dueDate: Nullable(Type.String({ format: "date" })),
});
const Link = Type.Object({ id: Uuid, type: DependencyTypeSchema, lagDays: Type.Integer(), createdAt: Timestamp, task: LinkedTask });

export const TaskDependencies = Type.Object({
  predecessors: Type.Array(Link, { description: "Tasks this one depends on" }),
  successors: Type.Array(Link, { description: "Tasks that depend on this one" }),
});

export const DependencyParams = Type.Object({ idOrKey: TaskParams.properties.idOrKey, dependencyId: Uuid });
