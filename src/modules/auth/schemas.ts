import { Type } from "typebox";
import { Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";
import { OrgRoleSchema } from "../orgs/schemas.js";

const LocaleSchema = Type.Union([Type.Literal("zh-CN"), Type.Literal("en")], { description: "Language of notifications and e-mails" });

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  isInstanceAdmin: Type.Boolean(),
  locale: LocaleSchema,
  createdAt: Timestamp,
});

export const UpdateMeBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), locale: Type.Optional(LocaleSchema) },
  { additionalProperties: false },
);

export const SignupBody = Type.Object(
  {
    email: Type.String({ format: "email", maxLength: 320 }),
    password: Type.String({ minLength: 10, maxLength: 512 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    invitationToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

export const AuthResult = Type.Object({ user: User, token: Type.String() });

export const Me = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  isInstanceAdmin: Type.Boolean(),
  locale: LocaleSchema,
  createdAt: Timestamp,
  orgs: Type.Array(Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), role: OrgRoleSchema })),
});

export const CreateTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), expiresAt: Type.Optional(Type.String({ format: "date-time" })) },
  { additionalProperties: false },
);
export const CreatedToken = Type.Object({ id: Uuid, name: Type.String(), token: Type.String(), expiresAt: Nullable(Timestamp) });
export const TokenList = listOf(Type.Object({ id: Uuid, name: Type.String(), expiresAt: Nullable(Timestamp), createdAt: Timestamp }));
export const TokenParams = Type.Object({ tokenId: Uuid });
