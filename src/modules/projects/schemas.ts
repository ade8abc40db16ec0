import { Type } from "typebox";
import { ListQuery, Timestamp, Uuid, listOf } from "../../http/schemas.js";

export const ProjectRoleSchema = Type.Union([Type.Literal("manager"), Type.Literal("member"), Type.Literal("viewer")]);

export const Project = Type.Object({
  id: Uuid,
  orgId: Uuid,
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  createdBy: Uuid,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  role: Type.Optional(ProjectRoleSchema),
});
export const ProjectList = listOf(Project);

export const CreateProjectBody = Type.Object(
  {
    key: Type.String({ pattern: "^[A-Z0-9]{2,10}$", description: "2..10 uppercase letters or digits" }),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" }),
    description: Type.Optional(Type.String({ maxLength: 100_000 })),
  },
  { additionalProperties: false },
);
export const UpdateProjectBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" })), description: Type.Optional(Type.String({ maxLength: 100_000 })) },
  { additionalProperties: false },
);

export const OrgProjectsParams = Type.Object({ orgId: Uuid });
export const ProjectParams = Type.Object({ projectId: Uuid });
export const ProjectMemberParams = Type.Object({ projectId: Uuid, userId: Uuid });
export const ProjectsQuery = Type.Object(ListQuery, { additionalProperties: false });

export const PutProjectMemberBody = Type.Object({ role: ProjectRoleSchema }, { additionalProperties: false });
export const ProjectMember = Type.Object({ projectId: Uuid, userId: Uuid, role: ProjectRoleSchema });
export const ProjectMemberList = listOf(Type.Object({ userId: Uuid, name: Type.String(), email: Type.String(), role: ProjectRoleSchema }));

const StatusKey = Type.String({ pattern: "^[a-z][a-z0-9_]{0,31}$" });
export const WorkflowSchema = Type.Object(
  {
    statuses: Type.Array(
      Type.Object(
        {
          key: StatusKey,
          name: Type.String({ minLength: 1, maxLength: 100 }),
          category: Type.Union([Type.Literal("todo"), Type.Literal("in_progress"), Type.Literal("done")]),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    transitions: Type.Array(
      Type.Object(
        { from: StatusKey, to: StatusKey, approvalFlowKey: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
        { additionalProperties: false },
      ),
      { maxItems: 2500 },
    ),
  },
  { additionalProperties: false },
);
