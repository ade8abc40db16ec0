import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";

export const OrgRoleSchema = Type.Union([Type.Literal("owner"), Type.Literal("admin"), Type.Literal("member"), Type.Literal("guest")]);

export const Org = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  role: Type.Optional(OrgRoleSchema),
  createdAt: Type.Optional(Timestamp),
  updatedAt: Type.Optional(Timestamp),
});

export const CreateOrgBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ pattern: "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", description: "lowercase letters, digits and dashes" }),
  },
  { additionalProperties: false },
);
export const UpdateOrgBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const OrgParams = Type.Object({ orgId: Uuid });
export const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });

export const Member = Type.Object({
  userId: Uuid,
  name: Type.String(),
  email: Type.String(),
  role: OrgRoleSchema,
  managerId: Nullable(Uuid),
  departmentId: Nullable(Uuid),
  joinedAt: Timestamp,
});
export const MemberList = listOf(Member);
export const MembersQuery = Type.Object(ListQuery, { additionalProperties: false });

export const UpdateMemberBody = Type.Object(
  { role: Type.Optional(OrgRoleSchema), managerId: Type.Optional(Nullable(Uuid)), departmentId: Type.Optional(Nullable(Uuid)) },
  { additionalProperties: false },
);

export const InviteBody = Type.Object(
  { email: Type.String({ format: "email", maxLength: 320 }), role: OrgRoleSchema },
  { additionalProperties: false },
);
export const Invitation = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: OrgRoleSchema,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  token: Type.Optional(Type.String({ description: "Shown once, at creation" })),
});
export const InvitationList = listOf(Invitation);
export const AcceptInvitationBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const Department = Type.Object({
  id: Uuid,
  orgId: Uuid,
  name: Type.String(),
  parentId: Nullable(Uuid),
  headId: Nullable(Uuid),
  createdAt: Timestamp,
});
export const DepartmentList = listOf(Department);
export const CreateDepartmentBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), parentId: Type.Optional(Nullable(Uuid)), headId: Type.Optional(Nullable(Uuid)) },
  { additionalProperties: false },
);
export const OrgList = listOf(Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), role: OrgRoleSchema }));
