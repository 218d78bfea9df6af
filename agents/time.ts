/**
 * Time phrases → half-open date ranges, anchored to the latest date **in the data** (billing
 * exports lag; "last month" means the data's last complete month, not the wall clock's).
 *
 * @example
 * parseTime("cost in march 2025", "2025-06-30").range // → {start: "2025-03-01", end: "2025-04-01", label: "March 2025"}
 * @module
 */
import { addDaysIso } from "../analytics/series.ts";
import type { Grain, TimeRange } from "./types.ts";

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTH_RE =
  "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const MONTH_NAMES_CAP = MONTHS.map((m) => m[0].toUpperCase() + m.slice(1));

/** A UTC calendar day as `[y, m (1-12), d]`. */
type Ymd = [number, number, number];

function toIso([y, m, d]: Ymd): string {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.toISOString().slice(0, 10);
}
function fromIso(s: string): Ymd {
  const [y, m, d] = s.slice(0, 10).split("-").map(Number);
  return [y, m, d];
}
/** Adds days to an ISO date (one implementation for agents and analytics). */
export const addDays: (iso: string, n: number) => string = addDaysIso;
/** Adds months to an ISO date (day kept, clamped by Date). */
export function addMonths(iso: string, n: number): string {
  const [y, m, d] = fromIso(iso);
  return toIso([y, m + n, d]);
}
function monthStart(iso: string): string {
  const [y, m] = fromIso(iso);
  return toIso([y, m, 1]);
}
function isLastDayOfMonth(iso: string): boolean {
  return fromIso(addDays(iso, 1))[2] === 1;
}
function monthIndex(word: string): number {
  return MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3)));
}
function monthRange(y: number, m: number): TimeRange {
  return { start: toIso([y, m, 1]), end: toIso([y, m + 1, 1]), label: `${MONTH_NAMES_CAP[m - 1]} ${y}` };
}
function quarterRange(y: number, q: number): TimeRange {
  return { start: toIso([y, (q - 1) * 3 + 1, 1]), end: toIso([y, q * 3 + 1, 1]), label: `Q${q} ${y}` };
}

/** The result of {@link parseTime}. */
export interface ParsedTime {
  range: TimeRange | null;
  grain: Grain | null;
  /** A second range when the question names two periods ("March vs April"). */
  second: TimeRange | null;
  /** Text spans consumed, so the planner does not read them as values. */
  spans: string[];
}

/** Infers the year of a month named without one: the latest such month not after the anchor. */
function yearFor(month: number, anchor: string): number {
  const [ay, am] = fromIso(anchor);
  return month <= am ? ay : ay - 1;
}

/** Parses one point-like period expression at the start of `s` (used by between/since). */
function parsePeriod(s: string, anchor: string): TimeRange | null {
  return parsePeriodAt(s, anchor)?.range ?? null;
}

/** Like {@link parsePeriod}, also returning the text it consumed. */
function parsePeriodAt(s: string, anchor: string): { range: TimeRange; text: string } | null {
  s = s.trim();
  let text = "";
  const r = periodAt(s, anchor, (t) => (text = t));
  return r ? { range: r, text } : null;
}

function periodAt(s: string, anchor: string, consumed: (t: string) => void): TimeRange | null {
  const take = <T extends RegExpMatchArray | null>(m: T): T => {
    if (m) consumed(m[0]);
    return m;
  };
  let m = take(s.match(/^(\d{4})-(\d{2})-(\d{2})/));
  if (m) {
    const start = `${m[1]}-${m[2]}-${m[3]}`;
    return { start, end: addDays(start, 1), label: start };
  }
  m = take(s.match(/^(\d{4})-(\d{2})\b/));
  if (m) return monthRange(+m[1], +m[2]);
  m = take(s.match(new RegExp(`^${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`)));
  if (m) {
    const mi = monthIndex(m[1]) + 1;
    const y = m[3] ? +m[3] : yearFor(mi, anchor);
    const start = toIso([y, mi, +m[2]]);
    return { start, end: addDays(start, 1), label: start };
  }
  m = take(s.match(new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+(\\d{4}))?\\b`)));
  if (m) {
    const mi = monthIndex(m[2]) + 1;
    const y = m[3] ? +m[3] : yearFor(mi, anchor);
    const start = toIso([y, mi, +m[1]]);
    return { start, end: addDays(start, 1), label: start };
  }
  m = take(s.match(new RegExp(`^${MONTH_RE}(?:,?\\s+(\\d{4}))?\\b`)));
  if (m) {
    const mi = monthIndex(m[1]) + 1;
    return monthRange(m[2] ? +m[2] : yearFor(mi, anchor), mi);
  }
  m = take(s.match(/^q([1-4])(?:\s+(\d{4}))?\b/));
  if (m) {
    const [ay, am] = fromIso(anchor);
    const q = +m[1];
    const y = m[2] ? +m[2] : (q - 1) * 3 + 1 <= am ? ay : ay - 1;
    return quarterRange(y, q);
  }
  m = take(s.match(/^h([12])(?:\s+(\d{4}))?\b/));
  if (m) {
    const [ay, am] = fromIso(anchor);
    const h = +m[1];
    const y = m[2] ? +m[2] : (h === 1 || am >= 7) ? ay : ay - 1;
    return { start: toIso([y, h === 1 ? 1 : 7, 1]), end: toIso([y, h === 1 ? 7 : 13, 1]), label: `H${h} ${y}` };
  }
  m = take(s.match(/^(20\d{2})\b/));
  if (m) return { start: `${m[1]}-01-01`, end: `${+m[1] + 1}-01-01`, label: m[1] };
  return null;
}

/** Relative phrases, resolved against the anchor (the latest date in the data). */
function parseRelative(s: string, anchor: string): { range: TimeRange; span: string } | null {
  const end = addDays(anchor, 1);
  let m = s.match(/\b(?:last|past|previous|trailing)\s+(\d+)\s+(day|week|month)s?\b/);
  if (m) {
    const n = +m[1];
    const start = m[2] === "day" ? addDays(end, -n) : m[2] === "week" ? addDays(end, -7 * n) : addMonths(end, -n);
    return { range: { start, end, label: `last ${n} ${m[2]}${n > 1 ? "s" : ""}` }, span: m[0] };
  }
  m = s.match(/\b(today|yesterday|latest day|last day)\b/);
  if (m) return { range: { start: anchor, end, label: `${anchor} (the latest day in the data)` }, span: m[0] };
  m = s.match(/\b(this|current|last|previous|prior)\s+(month|quarter|year|week)\b/);
  if (m) {
    const current = m[1] === "this" || m[1] === "current";
    const [ay, am] = fromIso(anchor);
    if (m[2] === "month") {
      // "Last month" = the latest complete month in the data.
      const back = current ? 0 : isLastDayOfMonth(anchor) ? 0 : 1;
      const ms = addMonths(monthStart(anchor), -back);
      const [y, mo] = fromIso(ms);
      const r = monthRange(y, mo);
      if (current) r.end = r.end < end ? r.end : end;
      return { range: r, span: m[0] };
    }
    if (m[2] === "quarter") {
      let q = Math.floor((am - 1) / 3) + 1;
      let y = ay;
      const qEnd = toIso([ay, q * 3 + 1, 1]);
      if (!current && addDays(anchor, 1) !== qEnd) {
        q -= 1;
        if (q === 0) {
          q = 4;
          y -= 1;
        }
      }
      return { range: quarterRange(y, q), span: m[0] };
    }
    if (m[2] === "year") {
      const complete = anchor.endsWith("-12-31");
      const y = current || complete ? ay : ay - 1;
      return { range: { start: `${y}-01-01`, end: current ? end : `${y + 1}-01-01`, label: String(y) }, span: m[0] };
    }
    // Weeks run Monday to Sunday; "last week" is the latest complete one.
    const dow = (new Date(anchor + "T00:00:00Z").getUTCDay() + 6) % 7;
    const weekStart = addDays(anchor, -dow);
    const start = current ? weekStart : dow === 6 ? weekStart : addDays(weekStart, -7);
    return { range: { start, end: current ? end : addDays(start, 7), label: `week of ${start}` }, span: m[0] };
  }
  m = s.match(/\b(ytd|year to date)\b/);
  if (m) return { range: { start: `${fromIso(anchor)[0]}-01-01`, end, label: "year to date" }, span: m[0] };
  m = s.match(/\b(mtd|month to date)\b/);
  if (m) return { range: { start: monthStart(anchor), end, label: "month to date" }, span: m[0] };
  return null;
}

/** Words of time grain, each with its grain (also read by the planner's word accounting). */
export const GRAIN_WORDS: [RegExp, Grain][] = [
  [/\b(daily|per day|by day|each day|every day|day by day|day-by-day)\b/, "day"],
  [/\b(weekly|per week|by week|each week|week by week)\b/, "week"],
  [/\b(monthly|per month|by month|each month|month by month|month-by-month|mom)\b/, "month"],
  [/\b(quarterly|per quarter|by quarter|each quarter)\b/, "quarter"],
  [/\b(yearly|annual|annually|per year|by year|each year)\b/, "year"],
];

function grainOf(s: string): Grain | null {
  return GRAIN_WORDS.find(([re]) => re.test(s))?.[1] ?? null;
}

/**
 * Finds the time range (and grain) a question speaks of. `anchor` is the latest date in the
 * data (ISO `YYYY-MM-DD`).
 */
export function parseTime(question: string, anchor: string): ParsedTime {
  const s = question.toLowerCase().replace(/\s+/g, " ");
  const out: ParsedTime = { range: null, grain: grainOf(s), second: null, spans: [] };

  // between X and Y / from X to Y
  let m = s.match(/\b(?:between|from)\s+(.+?)\s+(?:and|to|until|through|-)\s+(.+)$/);
  if (m) {
    const pa = parsePeriodAt(m[1], anchor);
    const pb = parsePeriodAt(m[2], anchor);
    const a = pa?.range;
    const b = pb?.range;
    if (pa && pb && a && b && pa.text.length === m[1].trim().length) {
      const compareWords =
        /\b(change|changed|difference|differ|compare|vs|versus|grow|grew|increase|decrease|drop|why|went|go|gone|rose|fell|drove|drivers?)\b/;
      if (compareWords.test(s)) {
        out.range = a;
        out.second = b;
      } else {
        out.range = { start: a.start, end: b.end, label: `${a.label} to ${b.label}` };
      }
      out.spans.push(m[0].slice(0, m[0].length - m[2].length) + pb.text);
      return out;
    }
  }
  // since X
  m = s.match(/\bsince\s+(.+)$/);
  if (m) {
    const pa = parsePeriodAt(m[1], anchor);
    if (pa) {
      out.range = { start: pa.range.start, end: addDays(anchor, 1), label: `since ${pa.range.label}` };
      out.spans.push(`since ${pa.text}`);
      return out;
    }
  }
  const rel = parseRelative(s, anchor);
  if (rel) {
    out.range = rel.range;
    out.spans.push(rel.span);
  }
  // Absolute periods anywhere in the text: the first is the range, a second one (vs) the comparison.
  const found: TimeRange[] = [];
  const re = new RegExp(
    `\\b(\\d{4}-\\d{2}-\\d{2}|\\d{4}-\\d{2}|${MONTH_RE}\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?|` +
      `\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+\\d{4})?|${MONTH_RE}(?:,?\\s+\\d{4})?|` +
      `q[1-4](?:\\s+\\d{4})?|h[12](?:\\s+\\d{4})?|20\\d{2})\\b`,
    "g",
  );
  for (const mm of s.matchAll(re)) {
    // "may" is also a verb; accept it only next to a year or after a word that introduces a
    // period ("in May", "June with May", "compared to May", "May vs June" reads the other way).
    if (
      /^may$/.test(mm[0]) &&
      !/\b(in|for|of|during|since|vs|versus|and|or|with|to|than|from|until|till|through|between)\s+may\b/.test(s) &&
      !/\bmay\s+(vs|versus|and|to|compared)\b/.test(s)
    ) continue;
    const p = parsePeriod(mm[0], anchor);
    if (p) {
      found.push(p);
      out.spans.push(mm[0]);
    }
  }
  if (found.length && !out.range) {
    out.range = found[0];
    if (found.length > 1) out.second = found[1];
  } else if (found.length && out.range) {
    out.second = found[0];
  }
  // "on the 14th": a day of the anchor's month.
  if (!out.range) {
    m = s.match(/\bon the (\d{1,2})(?:st|nd|rd|th)\b/);
    if (m) {
      const [y, mo] = fromIso(anchor);
      const start = toIso([y, mo, +m[1]]);
      out.range = { start, end: addDays(start, 1), label: start };
      out.spans.push(m[0]);
    }
  }
  return out;
}

/** The period of equal length immediately before a range (for "vs previous period"). */
export function previousPeriod(r: TimeRange): TimeRange {
  const [sy, sm, sd] = fromIso(r.start);
  const [ey, em, ed] = fromIso(r.end);
  if (sd === 1 && ed === 1) {
    const months = (ey - sy) * 12 + (em - sm);
    const start = addMonths(r.start, -months);
    const [py, pm] = fromIso(start);
    if (months === 1) return monthRange(py, pm);
    return { start, end: r.start, label: `${start} to ${addDays(r.start, -1)}` };
  }
  const days = Math.round((Date.parse(r.end) - Date.parse(r.start)) / 86_400_000);
  const start = addDays(r.start, -days);
  return { start, end: r.start, label: days === 1 ? start : `${start} to ${addDays(r.start, -1)}` };
}

/** Whether a range is exactly one day. */
export function isOneDay(r: TimeRange | null | undefined): boolean {
  return Boolean(r && addDays(r.start, 1) === r.end);
}

/** Human text for a range: its label plus the resolved dates when they differ. */
export function describeRange(r: TimeRange): string {
  const last = addDays(r.end, -1);
  const dates = r.start === last ? r.start : `${r.start} to ${last}`;
  return r.label === dates ? dates : `${r.label} (${dates})`;
}

/**
 * The period a forecast should cover, seen from the last day of data: "next month" and "next
 * quarter" are calendar periods after the one holding `lastDay`; "next 30 days" / "next 6
 * weeks" count from the day after; a named future period ("July", "Q3 2025") is taken as is;
 * "rest of the month/quarter/year" runs to its end. Default: the next 30 days. Null when the
 * question names a period that is not in the future of the data. `named` says whether the
 * question named a period at all (a follow-up keeps the previous one when it did not).
 *
 * @example
 * parseHorizon("forecast next quarter", "2025-06-30").horizon // → {start: "2025-07-01", end: "2025-10-01", label: "Q3 2025"}
 */
export function parseHorizon(question: string, lastDay: string): { horizon: TimeRange | null; named: boolean } {
  const found = namedHorizon(question, lastDay);
  if (found !== undefined) return { horizon: found, named: true };
  const next = addDays(lastDay, 1);
  return { horizon: { start: next, end: addDays(next, 30), label: "the next 30 days" }, named: false };
}

function namedHorizon(question: string, lastDay: string): TimeRange | null | undefined {
  const t = question.toLowerCase();
  const next = addDays(lastDay, 1);
  const [y, m] = fromIso(lastDay);
  const qtr = Math.floor((m - 1) / 3) + 1;
  const n = t.match(/\b(?:next|coming|following)\s+(\d{1,3})\s+(days?|weeks?|months?)\b/);
  if (n) {
    const k = Number(n[1]);
    const end = n[2].startsWith("day")
      ? addDays(next, k)
      : n[2].startsWith("week")
      ? addDays(next, 7 * k)
      : addMonths(next, k);
    return { start: next, end, label: `the next ${k} ${n[2]}` };
  }
  if (/\b(rest|remainder|end) of (the |this )?month\b/.test(t)) {
    return { start: next, end: toIso([y, m + 1, 1]), label: `the rest of ${MONTH_NAMES_CAP[m - 1]} ${y}` };
  }
  if (/\b(rest|remainder|end) of (the |this )?quarter\b/.test(t)) {
    return { start: next, end: quarterRange(y, qtr).end, label: `the rest of Q${qtr} ${y}` };
  }
  if (/\b(rest|remainder|end) of (the |this )?year\b/.test(t)) {
    return { start: next, end: toIso([y + 1, 1, 1]), label: `the rest of ${y}` };
  }
  if (/\bnext (calendar )?month\b/.test(t)) return monthRange(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1);
  if (/\bnext (calendar |fiscal )?quarter\b/.test(t)) {
    return qtr === 4 ? quarterRange(y + 1, 1) : quarterRange(y, qtr + 1);
  }
  if (/\bnext (calendar |fiscal )?year\b/.test(t)) {
    return { start: toIso([y + 1, 1, 1]), end: toIso([y + 2, 1, 1]), label: `${y + 1}` };
  }
  if (/\bnext week\b/.test(t)) return { start: next, end: addDays(next, 7), label: "the next 7 days" };
  // A named period: "forecast July", "predict Q3 2025". Months without a year mean the next such month.
  const mm = t.match(
    new RegExp(`\\b(${MONTHS.join("|")}|${MONTHS.map((x) => x.slice(0, 3)).join("|")})\\b(?:\\s+(\\d{4}))?`),
  );
  if (mm) {
    const mi = monthIndex(mm[1]) + 1;
    const yy = mm[2] ? Number(mm[2]) : mi > m ? y : y + 1;
    const r = monthRange(yy, mi);
    return r.start > lastDay ? r : null;
  }
  const qq = t.match(/\bq([1-4])(?:\s+(\d{4}))?\b/);
  if (qq) {
    const qi = Number(qq[1]);
    const r = quarterRange(qq[2] ? Number(qq[2]) : qi > qtr ? y : y + 1, qi);
    return r.start > lastDay ? r : null;
  }
  return undefined;
}
