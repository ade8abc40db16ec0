import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app.js";
import { addMember, orgWithOwner, type TestUser } from "../../../../test/factories.js";
import { call } from "../../../../test/http.js";

let t: TestApp;
let owner: TestUser;
let admin: TestUser;
let member: TestUser;
let guest: TestUser;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ owner, org: { id: orgId } } = await orgWithOwner(t));
  admin = await addMember(t, orgId, owner, "admin");
  member = await addMember(t, orgId, owner, "member");
  guest = await addMember(t, orgId, owner, "guest");
});
afterAll(async () => t.close());

const cal = (path = "") => `/api/v1/orgs/${orgId}/calendar${path}`;

describe("the org calendar", () => {
  it("starts as Monday to Friday, 8 hours, no holidays, readable by every member", async () => {
    const fresh = await orgWithOwner(t);
    const res = await call(t, "GET", `/api/v1/orgs/${fresh.org.id}/calendar`, { token: fresh.owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ workingWeekdays: [1, 2, 3, 4, 5], hoursPerDay: 8, version: 1, days: [] });
    expect(res.headers.etag).toBe('"1"');
    expect((await call(t, "GET", cal(), { token: guest.token })).status).toBe(200);
    expect((await call(t, "GET", `/api/v1/orgs/${fresh.org.id}/calendar`, { token: member.token })).status).toBe(404);
  });

  it("lets admins change the week with optimistic concurrency", async () => {
    expect((await call(t, "PATCH", cal(), { token: member.token, body: { hoursPerDay: 6 } })).status).toBe(403);
    const before = await call(t, "GET", cal(), { token: admin.token });
    const res = await call(t, "PATCH", cal(), { token: admin.token, body: { workingWeekdays: [6, 1, 2, 3, 4, 5], hoursPerDay: 7.5 }, headers: { "if-match": before.headers.etag as string } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workingWeekdays: [1, 2, 3, 4, 5, 6], hoursPerDay: 7.5, version: (before.body.version as number) + 1 });
    const stale = await call(t, "PATCH", cal(), { token: admin.token, body: { hoursPerDay: 8 }, headers: { "if-match": before.headers.etag as string } });
    expect(stale.status).toBe(412);
    for (const body of [{ workingWeekdays: [] }, { workingWeekdays: [0] }, { workingWeekdays: [1, 1] }, { hoursPerDay: 0 }, { hoursPerDay: 25 }]) {
      expect((await call(t, "PATCH", cal(), { token: admin.token, body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await call(t, "PATCH", cal(), { token: admin.token, body: { workingWeekdays: [1, 2, 3, 4, 5], hoursPerDay: 8 } })).status).toBe(200);
  });

  it("imports the mainland China holidays, official 2026 and provisional 2027", async () => {
    const presets = await call(t, "GET", "/api/v1/calendar-presets", { token: member.token });
    expect(presets.status).toBe(200);
    const cn = presets.body.items.find((p: { id: string }) => p.id === "cn-mainland");
    expect(cn.years.map((y: { year: number; status: string }) => [y.year, y.status])).toEqual([[2026, "official"], [2027, "provisional"]]);
    expect(cn.years[1].note).toContain("had not been published");

    const res = await call(t, "POST", cal("/import"), { token: admin.token, body: { preset: "cn-mainland", years: [2026] } });
    expect(res.status).toBe(200);
    expect(res.body.days).toHaveLength(39);
    expect(res.body.days).toContainEqual({ date: "2026-02-14", working: true, name: "春节调休上班", source: "cn-mainland-2026" });
    expect(res.body.days).toContainEqual({ date: "2026-10-07", working: false, name: "国庆节", source: "cn-mainland-2026" });
    const both = await call(t, "POST", cal("/import"), { token: admin.token, body: { preset: "cn-mainland" } });
    expect(both.body.days).toHaveLength(39 + 13);
    const audit = await t.platform.db.query<{ action: string }>("select action from audit_log where org_id = $1 and action = 'calendar.import'", [orgId]);
    expect(audit.rows).toHaveLength(2);
  });

  it("refuses unknown presets and years", async () => {
    expect((await call(t, "POST", cal("/import"), { token: admin.token, body: { preset: "us-federal" } })).status).toBe(400);
    const res = await call(t, "POST", cal("/import"), { token: admin.token, body: { preset: "cn-mainland", years: [2025] } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain("2025 not in cn-mainland");
    expect((await call(t, "POST", cal("/import"), { token: member.token, body: { preset: "cn-mainland" } })).status).toBe(403);
  });

  it("edits single days: a company holiday, a changed imported day, and back to the weekday rule", async () => {
    const put = await call(t, "PUT", cal("/days/2026-12-24"), { token: admin.token, body: { working: false, name: " Company day " } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ date: "2026-12-24", working: false, name: "Company day", source: null });
    const changed = await call(t, "PUT", cal("/days/2026-02-14"), { token: admin.token, body: { working: false } });
    expect(changed.body).toEqual({ date: "2026-02-14", working: false, name: "", source: null });
    expect((await call(t, "DELETE", cal("/days/2026-12-24"), { token: admin.token })).status).toBe(204);
    expect((await call(t, "DELETE", cal("/days/2026-12-24"), { token: admin.token })).status).toBe(404);
    expect((await call(t, "PUT", cal("/days/2026-02-30"), { token: admin.token, body: { working: true } })).status).toBe(400);
    expect((await call(t, "PUT", cal("/days/2026-12-25"), { token: member.token, body: { working: false } })).status).toBe(403);
    const view = await call(t, "GET", cal(), { token: member.token });
    expect(view.body.days.find((d: { date: string }) => d.date === "2026-02-14")).toMatchObject({ working: false });
    expect(view.body.days.find((d: { date: string }) => d.date === "2026-12-24")).toBeUndefined();
  });
});

describe("people's capacity and time off", () => {
  it("sets part time for a member and resets it to the org's", async () => {
    const res = await call(t, "PUT", cal(`/users/${member.id}`), { token: admin.token, body: { hoursPerDay: 4, workingWeekdays: [3, 1, 2] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: member.id, hoursPerDay: 4, workingWeekdays: [1, 2, 3], custom: { hoursPerDay: 4, workingWeekdays: [1, 2, 3] } });
    const hoursOnly = await call(t, "PUT", cal(`/users/${member.id}`), { token: admin.token, body: { hoursPerDay: 6 } });
    expect(hoursOnly.body).toMatchObject({ hoursPerDay: 6, workingWeekdays: [1, 2, 3, 4, 5], custom: { hoursPerDay: 6, workingWeekdays: null } });
    const reset = await call(t, "PUT", cal(`/users/${member.id}`), { token: admin.token, body: { hoursPerDay: null, workingWeekdays: null } });
    expect(reset.body).toMatchObject({ hoursPerDay: 8, custom: { hoursPerDay: null, workingWeekdays: null } });
    expect((await call(t, "PUT", cal(`/users/${member.id}`), { token: member.token, body: { hoursPerDay: 8 } })).status).toBe(403);
    const stranger = (await orgWithOwner(t)).owner;
    expect((await call(t, "PUT", cal(`/users/${stranger.id}`), { token: admin.token, body: { hoursPerDay: 8 } })).status).toBe(404);
    expect((await call(t, "GET", cal(`/users/${member.id}`), { token: guest.token })).status).toBe(403);
    expect((await call(t, "GET", cal(`/users/${guest.id}`), { token: guest.token })).status).toBe(200);
  });

  it("records time off: your own, or anyone's as an admin", async () => {
    const mine = await call(t, "POST", cal(`/users/${member.id}/time-off`), { token: member.token, body: { startDate: "2026-12-21", endDate: "2026-12-23", note: "Trip" } });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ userId: member.id, startDate: "2026-12-21", endDate: "2026-12-23", note: "Trip" });
    expect((await call(t, "POST", cal(`/users/${admin.id}/time-off`), { token: member.token, body: { startDate: "2026-12-21", endDate: "2026-12-21" } })).status).toBe(403);
    expect((await call(t, "POST", cal(`/users/${member.id}/time-off`), { token: admin.token, body: { startDate: "2027-01-04", endDate: "2027-01-04" } })).status).toBe(201);
    const backwards = await call(t, "POST", cal(`/users/${member.id}/time-off`), { token: member.token, body: { startDate: "2026-12-23", endDate: "2026-12-21" } });
    expect(backwards.status).toBe(422);
    expect((await call(t, "POST", cal(`/users/${member.id}/time-off`), { token: member.token, body: { startDate: "2026-01-01", endDate: "2027-01-02" } })).status).toBe(422);
    const view = await call(t, "GET", cal(`/users/${member.id}`), { token: admin.token });
    expect(view.body.timeOff.map((o: { startDate: string }) => o.startDate)).toEqual(["2026-12-21", "2027-01-04"]);
    expect((await call(t, "DELETE", cal(`/users/${member.id}/time-off/${mine.body.id}`), { token: admin.token })).status).toBe(204);
    expect((await call(t, "DELETE", cal(`/users/${member.id}/time-off/${mine.body.id}`), { token: member.token })).status).toBe(404);
  });
});
