import { addDays } from "../calendar/workdays.js";

// An iCalendar (RFC 5545) feed of task due dates and milestones: one all-day
// event per task. Text is escaped (3.3.11), lines folded at 75 octets (3.1),
// lines end in CRLF.

export interface FeedEntry {
  id: string;
  key: string;
  title: string;
  status: string;
  statusName: string;
  priority: string;
  projectName: string;
  dueDate: string | null;
  startDate: string | null;
  milestone: boolean;
  done: boolean;
  updatedAt: string;
}

const escapeText = (s: string) => s.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");
const basicDate = (date: string) => date.replace(/-/g, "");
const basicStamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+/, "");

/** Splits a content line into 75-octet pieces without cutting a UTF-8 character. */
export function fold(line: string): string {
  const out: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    // Continuation lines start with a space, which counts against their 75.
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n ");
}

/** The date an entry shows on: a milestone's date, else the due date; undefined when it has none. */
export const dayOf = (e: FeedEntry): string | undefined => (e.milestone ? (e.dueDate ?? e.startDate ?? undefined) : (e.dueDate ?? undefined));

export function buildCalendar(name: string, entries: readonly FeedEntry[], now: string, host: string): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Plinth//Planning feed//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", `X-WR-CALNAME:${escapeText(name)}`];
  for (const e of entries) {
    const day = dayOf(e);
    if (day === undefined) continue;
    const summary = `${e.milestone ? "◆ " : ""}${e.key} ${e.title}${e.milestone ? "" : " (due)"}`;
    lines.push(
      "BEGIN:VEVENT",
      `UID:${e.id}@${host}`,
      `DTSTAMP:${basicStamp(now)}`,
      `LAST-MODIFIED:${basicStamp(e.updatedAt)}`,
      `DTSTART;VALUE=DATE:${basicDate(day)}`,
      `DTEND;VALUE=DATE:${basicDate(addDays(day, 1))}`,
      `SUMMARY:${escapeText(summary)}`,
      `DESCRIPTION:${escapeText(`${e.projectName} · ${e.statusName} · priority ${e.priority}`)}`,
      `CATEGORIES:${e.milestone ? "MILESTONE" : "DUE"}`,
      "TRANSP:TRANSPARENT",
      `STATUS:${e.done ? "CANCELLED" : "CONFIRMED"}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return lines.map(fold).join("\r\n") + "\r\n";
}
