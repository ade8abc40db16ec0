import { Type, type TSchema } from "typebox";

// Shapes shared by every module's route schemas.

export const Uuid = Type.String({ format: "uuid", description: "UUID" });
export const DateOnly = Type.String({ format: "date", description: "YYYY-MM-DD" });
export const Timestamp = Type.String({ format: "date-time", description: "ISO-8601 UTC" });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: "Stable snake_case error code" }),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: "Problem", description: "RFC 9457 problem details" },
);

const problemRef = Type.Unsafe<unknown>({ $ref: "Problem#" });

/** Error responses documented on every route (OpenAPI); the body is always a Problem. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [400, 401, ...statuses]) out[s] = problemRef;
  return out;
}

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

export const listOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const IdParams = (name: string) => Type.Object({ [name]: Uuid });
