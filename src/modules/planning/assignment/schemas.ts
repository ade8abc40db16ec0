import { Type } from "typebox";
import { Uuid } from "../../../http/schemas.js";

const Strategy = Type.Union([Type.Literal("off"), Type.Literal("least_loaded"), Type.Literal("round_robin")], {
  description: "least_loaded: the eligible member with the lowest share of capacity taken in the task's window; round_robin: the next eligible member by name",
});

export const AssignmentSettings = Type.Object({ strategy: Strategy });
export const AssignmentSettingsBody = Type.Object({ strategy: Strategy }, { additionalProperties: false });

const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: "\\S" }), { maxItems: 50, description: "Matched against task labels, case-insensitively" });
export const MemberSkills = Type.Object({ userId: Uuid, skills: Type.Array(Type.String()) });
export const MemberSkillsBody = Type.Object({ skills: Skills }, { additionalProperties: false });
