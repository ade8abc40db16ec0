import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { buildCalendar, fold, type FeedEntry } from "./format.js";

const entry = (over: Partial<FeedEntry>): FeedEntry => ({
  id: "7d1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13",
  key: "ENG-12",
  title: "Ship it",
  status: "todo",
  statusName: "To do",
  priority: "high",
  projectName: "Engineering",
  dueDate: "2026-12-10",
  startDate: null,
  milestone: false,
  done: false,
  updatedAt: "2026-11-25T10:11:12.345Z",
  ...over,
});

describe("the iCalendar feed", () => {
  it("parses with ical.js: one all-day event per due date or milestone", () => {
    const text = buildCalendar("Plinth: my tasks", [
      entry({}),
      entry({ id: "b1", key: "ENG-13", title: "Beta; ready, \\ set\nsecond line", milestone: true, dueDate: null, startDate: "2026-12-20" }),
      entry({ id: "c1", key: "ENG-14", dueDate: null }),
    ], "2026-11-25T12:00:00.000Z", "plinth.example");
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue("x-wr-calname")).toBe("Plinth: my tasks");
    const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events.map((e) => [e.uid, e.summary, e.startDate.toString(), e.endDate.toString(), e.startDate.isDate])).toEqual([
      ["7d1c2b6a-8d3e-4c1f-9a7b-2e5d6c8f0a13@plinth.example", "ENG-12 Ship it (due)", "2026-12-10", "2026-12-11", true],
      ["b1@plinth.example", "◆ ENG-13 Beta; ready, \\ set\nsecond line", "2026-12-20", "2026-12-21", true],
    ]);
    expect(calendar.getAllSubcomponents("vevent")[1]!.getFirstPropertyValue("categories")).toBe("MILESTONE");
  });

  it("folds long lines at 75 octets without splitting a character, with CRLF endings", () => {
    const long = `SUMMARY:${"里程碑".repeat(40)}`;
    const folded = fold(long);
    for (const line of folded.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(folded.split("\r\n").map((l, i) => (i === 0 ? l : l.slice(1))).join("")).toBe(long);
    const text = buildCalendar("x", [entry({ title: "里程碑".repeat(40) })], "2026-11-25T12:00:00.000Z", "h");
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(new ICAL.Event(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vevent")!).summary).toBe(`ENG-12 ${"里程碑".repeat(40)} (due)`);
  });
});
