import { expect } from "vitest";
import type { RegisteredRoute } from "../src/app.js";
import type { TestApp } from "./app.js";
import { addMember, orgWithOwner, type TestUser } from "./factories.js";
import { call } from "./http.js";
import { pathParams, routeLabel } from "./routes.js";

// One organization with at least one of every resource, and for every path
// parameter name the app uses, a real id from it. The tenancy and fuzz tests
// fill route paths from here; a route whose parameter has no sample fails them.

/** Whose resource a sample id is: a guest outside the project must not see `project` ones. */
export type SampleScope = "org" | "project" | "user";

export interface Sample {
  /** Every accepted spelling of the same resource (a task's UUID and its key). */
  values: string[];
  scope: SampleScope;
}

export interface Tenant {
  owner: TestUser;
  member: TestUser;
  /** Org guest, member of `sharedProjectId` only. */
  guest: TestUser;
  orgId: string;
  projectId: string;
  sharedProjectId: string;
  samples: Record<string, Sample>;
  /** Every id created here: no other tenant may ever see one of them. */
  allIds: string[];
  /** Real ids for uuid fields of request bodies, by property name. */
  bodyIds: Record<string, string>;
}

const created = (res: { status: number; body: any }, what: string) => {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};

export async function buildTenant(t: TestApp): Promise<Tenant> {
  const { owner, org } = await orgWithOwner(t);
  const member = await addMember(t, org.id, owner, "member");
  const guest = await addMember(t, org.id, owner, "guest");
  const as = (user: TestUser) => ({ token: user.token });
  const has = (method: string, url: string) => t.routes.some((r) => r.method === method && r.url === url);

  const department = created(await call(t, "POST", `/api/v1/orgs/${org.id}/departments`, { ...as(owner), body: { name: "Engineering", headId: member.id } }), "department");
  const invitation = created(await call(t, "POST", `/api/v1/orgs/${org.id}/invitations`, { ...as(owner), body: { email: `pending-${org.slug}@example.com`, role: "member" } }), "invitation");
  const token = created(await call(t, "POST", "/api/v1/me/tokens", { ...as(owner), body: { name: "ci" } }), "personal token");
  const project = created(await call(t, "POST", `/api/v1/orgs/${org.id}/projects`, { ...as(owner), body: { key: "ENG", name: "Engineering" } }), "project");
  created(await call(t, "PUT", `/api/v1/projects/${project.id}/members/${member.id}`, { ...as(owner), body: { role: "member" } }), "project member");
  const shared = created(await call(t, "POST", `/api/v1/orgs/${org.id}/projects`, { ...as(owner), body: { key: "OPEN", name: "Open to guests" } }), "shared project");
  created(await call(t, "PUT", `/api/v1/projects/${shared.id}/members/${guest.id}`, { ...as(owner), body: { role: "viewer" } }), "guest membership");

  const samples: Record<string, Sample> = {
    orgId: { values: [org.id], scope: "org" },
    userId: { values: [member.id], scope: "org" },
    tokenId: { values: [token.id], scope: "user" },
    projectId: { values: [project.id], scope: "project" },
  };
  const allIds = [org.id, department.id, invitation.id, token.id, project.id, shared.id];

  // Resources of modules that may not be there yet: made when their routes exist.
  if (has("POST", "/api/v1/projects/:projectId/tasks")) {
    const task = created(await call(t, "POST", `/api/v1/projects/${project.id}/tasks`, { ...as(owner), body: { title: "Write the spec", assigneeId: member.id } }), "task");
    samples.idOrKey = { values: [task.id, task.key], scope: "project" };
    allIds.push(task.id);
    if (has("POST", "/api/v1/tasks/:idOrKey/comments")) {
      const comment = created(await call(t, "POST", `/api/v1/tasks/${task.id}/comments`, { ...as(owner), body: { body: `Looks good @${member.email}` } }), "comment");
      allIds.push(comment.id);
    }
    if (has("POST", "/api/v1/tasks/:idOrKey/dependencies")) {
      const before = created(await call(t, "POST", `/api/v1/projects/${project.id}/tasks`, { ...as(owner), body: { title: "Design first" } }), "predecessor task");
      const dependency = created(await call(t, "POST", `/api/v1/tasks/${task.id}/dependencies`, { ...as(owner), body: { predecessorId: before.id, type: "FS" } }), "dependency");
      samples.dependencyId = { values: [dependency.id], scope: "project" };
      allIds.push(before.id, dependency.id);
    }
    if (has("POST", "/api/v1/tasks/:idOrKey/worklogs")) {
      const worklog = created(await call(t, "POST", `/api/v1/tasks/${task.id}/worklogs`, { ...as(owner), body: { hours: 1.5, date: new Date().toISOString().slice(0, 10) } }), "worklog");
      samples.worklogId = { values: [worklog.id], scope: "project" };
      allIds.push(worklog.id);
    }
  }
  if (has("POST", "/api/v1/orgs/:orgId/approval-flows")) {
    const lead = { id: "lead", type: "approval", mode: "any", approvers: [{ type: "user", userId: owner.id }] };
    const flow = created(await call(t, "POST", `/api/v1/orgs/${org.id}/approval-flows`, { ...as(owner), body: { key: "sign-off", name: "Sign-off", nodes: [lead] } }), "approval flow");
    samples.key = { values: [flow.key], scope: "org" };
    allIds.push(flow.id);
    if (has("POST", "/api/v1/orgs/:orgId/approvals")) {
      const approval = created(await call(t, "POST", `/api/v1/orgs/${org.id}/approvals`, { ...as(member), body: { flowKey: flow.key, title: "Budget" } }), "approval");
      samples.approvalId = { values: [approval.id], scope: "org" };
      allIds.push(approval.id);
    }
  }
  if (has("PUT", "/api/v1/orgs/:orgId/calendar/days/:date")) {
    created(await call(t, "PUT", `/api/v1/orgs/${org.id}/calendar/days/2026-10-01`, { ...as(owner), body: { working: false, name: "National Day" } }), "calendar day");
    samples.date = { values: ["2026-10-01"], scope: "org" };
    const timeOff = created(await call(t, "POST", `/api/v1/orgs/${org.id}/calendar/users/${member.id}/time-off`, { ...as(owner), body: { startDate: "2026-12-21", endDate: "2026-12-23" } }), "time off");
    samples.timeOffId = { values: [timeOff.id], scope: "org" };
    allIds.push(timeOff.id);
  }
  if (has("POST", "/api/v1/projects/:projectId/baselines")) {
    const baseline = created(await call(t, "POST", `/api/v1/projects/${project.id}/baselines`, { ...as(owner), body: { name: "Plan v1" } }), "baseline");
    samples.baselineId = { values: [baseline.id], scope: "project" };
    allIds.push(baseline.id);
  }
  if (has("POST", "/api/v1/orgs/:orgId/calendar-feeds")) {
    const feed = created(await call(t, "POST", `/api/v1/orgs/${org.id}/calendar-feeds`, { ...as(owner), body: { projectId: project.id } }), "calendar feed");
    samples.feedId = { values: [feed.id], scope: "org" };
    allIds.push(feed.id);
  }
  if (has("POST", "/api/v1/projects/:projectId/recurrences")) {
    const recurrence = created(
      await call(t, "POST", `/api/v1/projects/${project.id}/recurrences`, {
        ...as(owner),
        body: { template: { title: "周报 Weekly report" }, rule: { freq: "weekly", weekdays: [5] }, startDate: "2026-12-04", count: 4 },
      }),
      "recurrence",
    );
    samples.recurrenceId = { values: [recurrence.id], scope: "project" };
    allIds.push(recurrence.id);
  }
  if (has("POST", "/api/v1/orgs/:orgId/webhooks")) {
    // Inactive, so no event is delivered; aimed at a name that resolves to loopback, so the ping is refused at once.
    const body = { url: "http://localhost:9/plinth", events: ["task.*"], format: "generic", active: false };
    const webhook = created(await call(t, "POST", `/api/v1/orgs/${org.id}/webhooks`, { ...as(owner), body }), "webhook");
    const ping = created(await call(t, "POST", `/api/v1/orgs/${org.id}/webhooks/${webhook.id}/test`, as(owner)), "webhook ping");
    samples.webhookId = { values: [webhook.id], scope: "org" };
    samples.deliveryId = { values: [ping.id], scope: "org" };
    allIds.push(webhook.id, ping.id);
  }
  // Instance-level: for anyone but an instance administrator a job id names nothing.
  samples.jobId = { values: ["00000000-0000-4000-8000-000000000001"], scope: "user" };
  const bodyIds = { userId: member.id, assigneeId: member.id, headId: member.id, managerId: owner.id };
  return { owner, member, guest, orgId: org.id, projectId: project.id, sharedProjectId: shared.id, samples, allIds, bodyIds };
}

/** The sample for each path parameter of a route; a parameter nobody made a sample for fails loudly. */
export function samplesFor(route: Pick<RegisteredRoute, "method" | "url">, samples: Record<string, Sample>): Record<string, Sample> {
  const out: Record<string, Sample> = {};
  for (const name of pathParams(route.url)) {
    const sample = samples[name];
    if (!sample) {
      throw new Error(
        `${routeLabel(route)} has path parameter :${name} with no sample id. Create that resource in buildTenant() ` +
          `(test/tenant.ts) and add samples.${name}, so the tenancy and fuzz tests cover the route.`,
      );
    }
    out[name] = sample;
  }
  return out;
}

/** Every combination of sample spellings, e.g. a task route once with the UUID and once with the key. */
export function pathValueSets(sampled: Record<string, Sample>): Record<string, string>[] {
  let sets: Record<string, string>[] = [{}];
  for (const [name, sample] of Object.entries(sampled)) sets = sets.flatMap((set) => sample.values.map((v) => ({ ...set, [name]: v })));
  return sets;
}
