import type { Static } from "typebox";
import type { Actor } from "../../../platform/actor.js";
import type { Queryable, Tx } from "../../../platform/db/index.js";
import { DomainError, forbidden, notFound } from "../../../platform/errors.js";
import { newId } from "../../../platform/ids.js";
import type { Platform } from "../../../platform/index.js";
import { emitEvents } from "../../../platform/outbox.js";
import { appendAudit } from "../../audit/repository.js";
import { atLeast } from "../../orgs/policy.js";
import { membersRepo } from "../../orgs/repository.js";
import type { OrgsService } from "../../orgs/service.js";
import { CALENDAR_PRESETS, presetById } from "./presets.js";
import { calendarRepo, type CalendarDayRow, type OrgCalendarRow, type TimeOffRow } from "./repository.js";
import type { CreateTimeOffBody, ImportPresetBody, PutDayBody, PutUserCalendarBody, UpdateCalendarBody } from "./schemas.js";
import { dayNumber, STANDARD_WEEK, type CalendarRules } from "./workdays.js";

export type UpdateCalendarInput = Static<typeof UpdateCalendarBody>;
export type PutDayInput = Static<typeof PutDayBody>;
export type ImportPresetInput = Static<typeof ImportPresetBody>;
export type PutUserCalendarInput = Static<typeof PutUserCalendarBody>;
export type CreateTimeOffInput = Static<typeof CreateTimeOffBody>;

/** An org without a calendar of its own works Monday to Friday, 8 hours a day (API.md). */
const DEFAULT_CALENDAR: OrgCalendarRow = { working_weekdays: [...STANDARD_WEEK], hours_per_day: 8, version: 1 };
// Decades of holidays fit; a runaway script does not.
const MAX_DAYS_PER_ORG = 5000;
const MAX_TIME_OFF_DAYS = 366;

export interface OrgCalendarRules {
  rules: CalendarRules;
  hoursPerDay: number;
}

const toDay = (d: CalendarDayRow) => ({ date: d.day, working: d.working, name: d.name, source: d.source });
const toTimeOff = (t: TimeOffRow) => ({ id: t.id, userId: t.user_id, startDate: t.start_date, endDate: t.end_date, note: t.note, createdAt: t.created_at });
const sortedWeek = (days: readonly number[]) => [...days].sort((a, b) => a - b);
const unprocessable = (path: string, message: string) => new DomainError("unprocessable", `${path.replace(/^body\./, "")} ${message}`, { errors: [{ path, message }] });

/** The org's working calendar (week, holidays, make-up days) and each person's capacity and time off. */
export class CalendarService {
  constructor(
    private readonly p: Platform,
    private readonly orgs: OrgsService,
  ) {}

  presets() {
    return { items: CALENDAR_PRESETS.map((p) => ({ id: p.id, name: p.name, years: p.years })), nextCursor: null };
  }

  /** The calendar rules the scheduler and the workload compute with (no access check: callers have done it). */
  async rulesOf(orgId: string, q: Queryable = this.p.db.read): Promise<OrgCalendarRules> {
    const week = (await calendarRepo.get(q, orgId)) ?? DEFAULT_CALENDAR;
    const days = await calendarRepo.days(q, orgId);
    return { rules: { workingWeekdays: week.working_weekdays, exceptions: days.map((d) => [d.day, d.working] as const) }, hoursPerDay: week.hours_per_day };
  }

  async get(actor: Actor, orgId: string) {
    await this.orgs.authorize(actor, orgId, "org.read");
    return this.view(this.p.db.readFor(actor), orgId);
  }

  async update(actor: Actor, orgId: string, input: UpdateCalendarInput, expectedVersion?: number) {
    await this.orgs.authorize(actor, orgId, "org.update");
    return this.p.db.tx(async (tx) => {
      const current = (await calendarRepo.lock(tx, orgId)) ?? DEFAULT_CALENDAR;
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new DomainError("version_conflict", `The calendar is at version ${current.version}, not ${expectedVersion}`);
      }
      const next = { workingWeekdays: sortedWeek(input.workingWeekdays ?? current.working_weekdays), hoursPerDay: input.hoursPerDay ?? current.hours_per_day };
      await calendarRepo.save(tx, orgId, next);
      const changes = { workingWeekdays: { from: current.working_weekdays, to: next.workingWeekdays }, hoursPerDay: { from: current.hours_per_day, to: next.hoursPerDay } };
      await this.record(tx, actor, orgId, "calendar.update", changes);
      return this.view(tx, orgId);
    });
  }

  async putDay(actor: Actor, orgId: string, date: string, input: PutDayInput) {
    await this.orgs.authorize(actor, orgId, "org.update");
    return this.p.db.tx(async (tx) => {
      const week = await this.touch(tx, orgId);
      const before = await calendarRepo.getDay(tx, orgId, date);
      if (!before && (await calendarRepo.countDays(tx, orgId)) >= MAX_DAYS_PER_ORG) throw unprocessable("params.date", `would exceed ${MAX_DAYS_PER_ORG} calendar days`);
      const day = { day: date, working: input.working, name: (input.name ?? "").trim(), source: null };
      await calendarRepo.putDays(tx, orgId, [day]);
      await this.record(tx, actor, orgId, "calendar.day.put", { date, from: before ? toDay(before) : null, to: toDay(day), version: week.version });
      return toDay(day);
    });
  }

  async removeDay(actor: Actor, orgId: string, date: string): Promise<void> {
    await this.orgs.authorize(actor, orgId, "org.update");
    await this.p.db.tx(async (tx) => {
      await this.touch(tx, orgId);
      const removed = await calendarRepo.removeDay(tx, orgId, date);
      if (!removed) throw notFound("Calendar day");
      await this.record(tx, actor, orgId, "calendar.day.remove", { date, from: toDay(removed) });
    });
  }

  /** Copies a built-in calendar's days into the org's, replacing days on the same dates. */
  async importPreset(actor: Actor, orgId: string, input: ImportPresetInput) {
    await this.orgs.authorize(actor, orgId, "org.update");
    const preset = presetById(input.preset);
    if (!preset) throw unprocessable("body.preset", "is not a built-in calendar");
    const wanted = input.years ?? preset.years.map((y) => y.year);
    const missing = wanted.filter((y) => !preset.years.some((p) => p.year === y));
    if (missing.length > 0) throw unprocessable("body.years", `${missing.join(", ")} not in ${preset.id} (it has ${preset.years.map((y) => y.year).join(", ")})`);
    const years = preset.years.filter((y) => wanted.includes(y.year));
    const days = years.flatMap((y) => y.days.map((d) => ({ day: d.date, working: d.working, name: d.name, source: `${preset.id}-${y.year}` })));
    return this.p.db.tx(async (tx) => {
      await this.touch(tx, orgId);
      if ((await calendarRepo.countDays(tx, orgId)) + days.length > MAX_DAYS_PER_ORG) throw unprocessable("body.years", `would exceed ${MAX_DAYS_PER_ORG} calendar days`);
      await calendarRepo.putDays(tx, orgId, days);
      await this.record(tx, actor, orgId, "calendar.import", { preset: preset.id, years: years.map((y) => ({ year: y.year, status: y.status })), days: days.length });
      return this.view(tx, orgId);
    });
  }

  async getUser(actor: Actor, orgId: string, userId: string) {
    const role = await this.orgs.authorize(actor, orgId, "members.read");
    if (role === "guest" && userId !== actor.userId) throw forbidden("Guests see only their own calendar");
    return this.userView(this.p.db.readFor(actor), orgId, userId);
  }

  async putUser(actor: Actor, orgId: string, userId: string, input: PutUserCalendarInput) {
    await this.orgs.authorize(actor, orgId, "members.manage");
    return this.p.db.tx(async (tx) => {
      await this.assertMember(tx, orgId, userId);
      const before = (await calendarRepo.capacity(tx, orgId, userId)) ?? null;
      const workingWeekdays = input.workingWeekdays ? sortedWeek(input.workingWeekdays) : null;
      if (input.hoursPerDay === null && workingWeekdays === null) {
        await calendarRepo.removeCapacity(tx, orgId, userId);
      } else {
        const orgHours = ((await calendarRepo.get(tx, orgId)) ?? DEFAULT_CALENDAR).hours_per_day;
        await calendarRepo.putCapacity(tx, orgId, userId, { hoursPerDay: input.hoursPerDay ?? orgHours, workingWeekdays });
      }
      await this.record(tx, actor, orgId, "calendar.user.put", { userId, from: before, to: { hoursPerDay: input.hoursPerDay, workingWeekdays } });
      return this.userView(tx, orgId, userId);
    });
  }

  async addTimeOff(actor: Actor, orgId: string, userId: string, input: CreateTimeOffInput) {
    await this.assertMayManageTimeOff(actor, orgId, userId);
    if (input.endDate < input.startDate) throw unprocessable("body.endDate", "must be on or after startDate");
    if (dayNumber(input.endDate) - dayNumber(input.startDate) >= MAX_TIME_OFF_DAYS) throw unprocessable("body.endDate", `must be within ${MAX_TIME_OFF_DAYS} days of startDate`);
    return this.p.db.tx(async (tx) => {
      await this.assertMember(tx, orgId, userId);
      const row = await calendarRepo.addTimeOff(tx, { id: newId(), orgId, userId, startDate: input.startDate, endDate: input.endDate, note: (input.note ?? "").trim(), createdBy: actor.userId });
      await this.record(tx, actor, orgId, "calendar.time_off.create", { userId, timeOffId: row.id, startDate: row.start_date, endDate: row.end_date });
      return toTimeOff(row);
    });
  }

  async removeTimeOff(actor: Actor, orgId: string, userId: string, timeOffId: string): Promise<void> {
    await this.assertMayManageTimeOff(actor, orgId, userId);
    await this.p.db.tx(async (tx) => {
      const removed = await calendarRepo.removeTimeOff(tx, orgId, userId, timeOffId);
      if (!removed) throw notFound("Time off");
      await this.record(tx, actor, orgId, "calendar.time_off.remove", { userId, timeOffId, startDate: removed.start_date, endDate: removed.end_date });
    });
  }

  private async view(q: Queryable, orgId: string) {
    const week = (await calendarRepo.get(q, orgId)) ?? DEFAULT_CALENDAR;
    const days = await calendarRepo.days(q, orgId);
    return { workingWeekdays: week.working_weekdays, hoursPerDay: week.hours_per_day, version: week.version, days: days.map(toDay) };
  }

  private async userView(q: Queryable, orgId: string, userId: string) {
    if (!(await membersRepo.roleOf(q, orgId, userId))) throw notFound("Member");
    const week = (await calendarRepo.get(q, orgId)) ?? DEFAULT_CALENDAR;
    const own = await calendarRepo.capacity(q, orgId, userId);
    return {
      userId,
      hoursPerDay: own?.hours_per_day ?? week.hours_per_day,
      workingWeekdays: own?.working_weekdays ?? week.working_weekdays,
      custom: { hoursPerDay: own?.hours_per_day ?? null, workingWeekdays: own?.working_weekdays ?? null },
      timeOff: (await calendarRepo.timeOff(q, orgId, userId)).map(toTimeOff),
    };
  }

  /** Locks the org's calendar and moves its version on, so every change shows in the ETag. */
  private async touch(tx: Tx, orgId: string): Promise<OrgCalendarRow> {
    const current = (await calendarRepo.lock(tx, orgId)) ?? DEFAULT_CALENDAR;
    return calendarRepo.save(tx, orgId, { workingWeekdays: current.working_weekdays, hoursPerDay: current.hours_per_day });
  }

  /** People record their own time off; admins anyone's. */
  private async assertMayManageTimeOff(actor: Actor, orgId: string, userId: string): Promise<void> {
    const role = await this.orgs.authorize(actor, orgId, "org.read");
    if (userId !== actor.userId && !atLeast(role, "admin")) throw forbidden("Only admins can record time off for someone else");
  }

  private async assertMember(q: Queryable, orgId: string, userId: string): Promise<void> {
    if (!(await membersRepo.roleOf(q, orgId, userId))) throw notFound("Member");
  }

  private async record(tx: Tx, actor: Actor, orgId: string, action: string, changes: Record<string, unknown>): Promise<void> {
    await appendAudit(tx, actor, { orgId, action, targetType: "calendar", targetId: orgId, changes });
    await emitEvents(tx, actor.userId, [{ type: "calendar.updated", orgId, data: { action, ...changes } }]);
  }
}
