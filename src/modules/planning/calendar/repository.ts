import type { Queryable, Tx } from "../../../platform/db/index.js";

export interface OrgCalendarRow {
  working_weekdays: number[];
  hours_per_day: number;
  version: number;
}

export interface CalendarDayRow {
  day: string;
  working: boolean;
  name: string;
  source: string | null;
}

export interface CapacityRow {
  hours_per_day: number;
  working_weekdays: number[] | null;
}

export interface TimeOffRow {
  id: string;
  user_id: string;
  start_date: string;
  end_date: string;
  note: string;
  created_at: string;
}

/** One org member as the workload sees them: custom capacity (null = the org's) and time off. */
export interface MemberCapacityRow {
  user_id: string;
  name: string;
  hours_per_day: number | null;
  working_weekdays: number[] | null;
  time_off: { start: string; end: string }[];
}

const dayCols = "day, working, name, source";
const timeOffCols = "id, user_id, start_date, end_date, note, created_at";

export const calendarRepo = {
  async get(q: Queryable, orgId: string): Promise<OrgCalendarRow | undefined> {
    const r = await q.query<OrgCalendarRow>("select working_weekdays, hours_per_day, version from org_calendars where org_id = $1", [orgId]);
    return r.rows[0];
  },

  /** Writes the week (or keeps it, for a change of days) and moves the version on; the first write is version 2 (1 is the default). */
  async save(tx: Tx, orgId: string, week: { workingWeekdays: number[]; hoursPerDay: number }): Promise<OrgCalendarRow> {
    const r = await tx.query<OrgCalendarRow>(
      `insert into org_calendars (org_id, working_weekdays, hours_per_day, version) values ($1, $2::smallint[], $3, 2)
       on conflict (org_id) do update set working_weekdays = excluded.working_weekdays, hours_per_day = excluded.hours_per_day,
              version = org_calendars.version + 1, updated_at = now()
       returning working_weekdays, hours_per_day, version`,
      [orgId, week.workingWeekdays, week.hoursPerDay],
    );
    return r.rows[0]!;
  },

  /** Serializes calendar writes of one org (the version check and the day count). */
  async lock(tx: Tx, orgId: string): Promise<OrgCalendarRow | undefined> {
    await tx.query("select pg_advisory_xact_lock(72640021, hashtext($1))", [orgId]);
    return calendarRepo.get(tx, orgId);
  },

  async days(q: Queryable, orgId: string): Promise<CalendarDayRow[]> {
    const r = await q.query<CalendarDayRow>(`select ${dayCols} from calendar_days where org_id = $1 order by day`, [orgId]);
    return r.rows;
  },

  async countDays(q: Queryable, orgId: string): Promise<number> {
    const r = await q.query<{ n: number }>("select count(*)::int as n from calendar_days where org_id = $1", [orgId]);
    return r.rows[0]!.n;
  },

  async getDay(q: Queryable, orgId: string, day: string): Promise<CalendarDayRow | undefined> {
    const r = await q.query<CalendarDayRow>(`select ${dayCols} from calendar_days where org_id = $1 and day = $2`, [orgId, day]);
    return r.rows[0];
  },

  /** Sets days (a later one wins over an existing one on the same date). */
  async putDays(tx: Tx, orgId: string, days: { day: string; working: boolean; name: string; source: string | null }[]): Promise<void> {
    if (days.length === 0) return;
    await tx.query(
      `insert into calendar_days (org_id, day, working, name, source)
       select $1, d, w, n, s from unnest($2::date[], $3::boolean[], $4::text[], $5::text[]) as x(d, w, n, s)
       on conflict (org_id, day) do update set working = excluded.working, name = excluded.name, source = excluded.source`,
      [orgId, days.map((d) => d.day), days.map((d) => d.working), days.map((d) => d.name), days.map((d) => d.source)],
    );
  },

  async removeDay(tx: Tx, orgId: string, day: string): Promise<CalendarDayRow | undefined> {
    const r = await tx.query<CalendarDayRow>(`delete from calendar_days where org_id = $1 and day = $2 returning ${dayCols}`, [orgId, day]);
    return r.rows[0];
  },

  async capacity(q: Queryable, orgId: string, userId: string): Promise<CapacityRow | undefined> {
    const r = await q.query<CapacityRow>("select hours_per_day, working_weekdays from user_capacities where org_id = $1 and user_id = $2", [orgId, userId]);
    return r.rows[0];
  },

  async putCapacity(tx: Tx, orgId: string, userId: string, c: { hoursPerDay: number; workingWeekdays: number[] | null }): Promise<void> {
    await tx.query(
      `insert into user_capacities (org_id, user_id, hours_per_day, working_weekdays) values ($1, $2, $3, $4::smallint[])
       on conflict (org_id, user_id) do update set hours_per_day = excluded.hours_per_day, working_weekdays = excluded.working_weekdays, updated_at = now()`,
      [orgId, userId, c.hoursPerDay, c.workingWeekdays],
    );
  },

  async removeCapacity(tx: Tx, orgId: string, userId: string): Promise<void> {
    await tx.query("delete from user_capacities where org_id = $1 and user_id = $2", [orgId, userId]);
  },

  async timeOff(q: Queryable, orgId: string, userId: string): Promise<TimeOffRow[]> {
    const r = await q.query<TimeOffRow>(`select ${timeOffCols} from time_off where org_id = $1 and user_id = $2 order by start_date, id`, [orgId, userId]);
    return r.rows;
  },

  async addTimeOff(tx: Tx, t: { id: string; orgId: string; userId: string; startDate: string; endDate: string; note: string; createdBy: string }): Promise<TimeOffRow> {
    const r = await tx.query<TimeOffRow>(
      `insert into time_off (id, org_id, user_id, start_date, end_date, note, created_by) values ($1, $2, $3, $4, $5, $6, $7) returning ${timeOffCols}`,
      [t.id, t.orgId, t.userId, t.startDate, t.endDate, t.note, t.createdBy],
    );
    return r.rows[0]!;
  },

  async removeTimeOff(tx: Tx, orgId: string, userId: string, id: string): Promise<TimeOffRow | undefined> {
    const r = await tx.query<TimeOffRow>(`delete from time_off where org_id = $1 and user_id = $2 and id = $3 returning ${timeOffCols}`, [orgId, userId, id]);
    return r.rows[0];
  },

  /** Every member with their capacity and the time off overlapping [from, to], in one query (one JSON array: orgs have thousands of members). */
  async memberCapacities(q: Queryable, orgId: string, from: string, to: string): Promise<MemberCapacityRow[]> {
    type Tuple = [string, string, number | null, number[] | null, [string, string][] | null];
    const r = await q.query<{ list: Tuple[] }>(
      `select coalesce(json_agg(json_build_array(m.user_id, u.name, c.hours_per_day, c.working_weekdays, o.time_off) order by u.name, m.user_id), '[]') as list
         from org_members m join users u on u.id = m.user_id
         left join user_capacities c on c.org_id = m.org_id and c.user_id = m.user_id
         left join (select user_id, json_agg(json_build_array(start_date, end_date) order by start_date) as time_off
                      from time_off where org_id = $1 and start_date <= $3 and end_date >= $2 group by user_id) o on o.user_id = m.user_id
        where m.org_id = $1`,
      [orgId, from, to],
    );
    return r.rows[0]!.list.map(([user_id, name, hours_per_day, working_weekdays, off]) => ({
      user_id,
      name,
      hours_per_day,
      working_weekdays,
      time_off: (off ?? []).map(([start, end]) => ({ start, end })),
    }));
  },
};
