// Built-in public-holiday calendars an org can import into its own calendar
// (and then edit). Each year says where its days come from and how sure they are.

export interface PresetDay {
  date: string;
  /** false: a day off; true: a make-up working day (调休上班). */
  working: boolean;
  name: string;
}

export interface PresetYear {
  year: number;
  /** official: as published by the government; provisional: derived, to be replaced once published. */
  status: "official" | "provisional";
  source: string;
  note: string;
  days: PresetDay[];
}

export interface CalendarPreset {
  id: string;
  name: { en: string; "zh-CN": string };
  years: PresetYear[];
}

const off = (name: string, ...dates: string[]): PresetDay[] => dates.map((date) => ({ date, working: false, name }));
const on = (name: string, ...dates: string[]): PresetDay[] => dates.map((date) => ({ date, working: true, name: `${name}调休上班` }));

/** Consecutive dates from `from` to `to` (same month). */
const span = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let d = Number(from.slice(8)); d <= Number(to.slice(8)); d++) out.push(`${from.slice(0, 8)}${String(d).padStart(2, "0")}`);
  return out;
};

const CN_2026: PresetYear = {
  year: 2026,
  status: "official",
  source: "国务院办公厅关于2026年部分节假日安排的通知 (General Office of the State Council, 2025-11-04, published by Xinhua)",
  note: "Holidays with their bridging weekends, and the make-up working days (调休上班) of the notice.",
  days: [
    ...off("元旦", ...span("2026-01-01", "2026-01-03")),
    ...on("元旦", "2026-01-04"),
    ...off("春节", ...span("2026-02-15", "2026-02-23")),
    ...on("春节", "2026-02-14", "2026-02-28"),
    ...off("清明节", ...span("2026-04-04", "2026-04-06")),
    ...off("劳动节", ...span("2026-05-01", "2026-05-05")),
    ...on("劳动节", "2026-05-09"),
    ...off("端午节", ...span("2026-06-19", "2026-06-21")),
    ...off("中秋节", ...span("2026-09-25", "2026-09-27")),
    ...off("国庆节", ...span("2026-10-01", "2026-10-07")),
    ...on("国庆节", "2026-09-20", "2026-10-10"),
  ],
};

// Not published when this data was compiled: only the statutory days are known.
const CN_2027: PresetYear = {
  year: 2027,
  status: "provisional",
  source:
    "全国年节及纪念日放假办法 (2024 revision, in force 2025-01-01): statutory holidays only; lunar dates for 2027 (春节 2027-02-06, 端午 06-09, 中秋 09-15, 清明 04-05)",
  note:
    "The State Council's arrangement for 2027 (bridging days off and make-up working days, 调休) had not been published when this calendar was compiled. " +
    "It lists only the statutory days off and no make-up working days; import it again once the official notice is added, or edit the days by hand.",
  days: [
    ...off("元旦", "2027-01-01"),
    ...off("春节", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"),
    ...off("清明节", "2027-04-05"),
    ...off("劳动节", "2027-05-01", "2027-05-02"),
    ...off("端午节", "2027-06-09"),
    ...off("中秋节", "2027-09-15"),
    ...off("国庆节", "2027-10-01", "2027-10-02", "2027-10-03"),
  ],
};

export const CALENDAR_PRESETS: readonly CalendarPreset[] = [
  { id: "cn-mainland", name: { en: "Mainland China public holidays", "zh-CN": "中国大陆法定节假日" }, years: [CN_2026, CN_2027] },
];

export const presetById = (id: string): CalendarPreset | undefined => CALENDAR_PRESETS.find((p) => p.id === id);
