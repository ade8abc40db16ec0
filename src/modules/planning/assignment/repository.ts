import type { Queryable, Tx } from "../../../platform/db/index.js";
import type { OrgRole } from "../../orgs/policy.js";
import type { ProjectRole } from "../../projects/policy.js";
import type { AssignmentStrategy } from "./pick.js";

export interface AssignmentSettingsRow {
  assignment: AssignmentStrategy;
  last_assignee_id: string | null;
}

export interface CandidateRow {
  user_id: string;
  name: string;
  org_role: OrgRole;
  project_role: ProjectRole | null;
  skills: string[];
}

export const assignmentRepo = {
  async settings(q: Queryable, projectId: string): Promise<AssignmentSettingsRow> {
    const r = await q.query<AssignmentSettingsRow>("select assignment, last_assignee_id from project_scheduling where project_id = $1", [projectId]);
    return r.rows[0] ?? { assignment: "off", last_assignee_id: null };
  },

  async setStrategy(tx: Tx, projectId: string, orgId: string, strategy: AssignmentStrategy): Promise<void> {
    await tx.query(
      `insert into project_scheduling (project_id, org_id, assignment) values ($1, $2, $3)
       on conflict (project_id) do update set assignment = excluded.assignment, updated_at = now()`,
      [projectId, orgId, strategy],
    );
  },

  async setLastAssignee(tx: Tx, projectId: string, userId: string): Promise<void> {
    await tx.query("update project_scheduling set last_assignee_id = $2 where project_id = $1", [projectId, userId]);
  },

  /** Every org member with their explicit project role (if any) and skills. */
  async candidates(q: Queryable, orgId: string, projectId: string): Promise<CandidateRow[]> {
    const r = await q.query<CandidateRow>(
      `select m.user_id, u.name, m.role as org_role, pm.role as project_role, coalesce(s.skills, '{}') as skills
         from org_members m join users u on u.id = m.user_id
         left join project_members pm on pm.project_id = $2 and pm.user_id = m.user_id
         left join member_skills s on s.org_id = m.org_id and s.user_id = m.user_id
        where m.org_id = $1`,
      [orgId, projectId],
    );
    return r.rows;
  },

  async skills(q: Queryable, orgId: string, userId: string): Promise<string[]> {
    const r = await q.query<{ skills: string[] }>("select skills from member_skills where org_id = $1 and user_id = $2", [orgId, userId]);
    return r.rows[0]?.skills ?? [];
  },

  async setSkills(tx: Tx, orgId: string, userId: string, skills: string[]): Promise<void> {
    await tx.query(
      `insert into member_skills (org_id, user_id, skills) values ($1, $2, $3::text[])
       on conflict (org_id, user_id) do update set skills = excluded.skills, updated_at = now()`,
      [orgId, userId, skills],
    );
  },
};
