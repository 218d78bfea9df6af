/**
 * Daily time series helpers: dense calendars, weekday of a date.
 * @module
 */

/** One point of a daily series. */
export interface Point {
  date: string;
  value: number;
}

/** Adds days to an ISO date. */
export function addDaysIso(iso: string, n: number): string {
  const d = new Date(iso.slice(0, 10) + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Days from `a` to `b` (ISO dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b.slice(0, 10)) - Date.parse(a.slice(0, 10))) / 86_400_000);
}

/** Monday = 0 … Sunday = 6. */
export function weekday(iso: string): number {
  return (new Date(iso.slice(0, 10) + "T00:00:00Z").getUTCDay() + 6) % 7;
}

/**
 * Makes a dense daily series from sparse points: every day from the first to the last date
 * (or the given bounds), missing days as 0 (a day without charges cost nothing).
 *
 * @example
 * densify([{date: "2025-01-01", value: 1}, {date: "2025-01-03", value: 2}])
 * // → [{date: "2025-01-01", value: 1}, {date: "2025-01-02", value: 0}, {date: "2025-01-03", value: 2}]
 */
export function densify(points: Point[], start?: string, end?: string): Point[] {
  if (!points.length && (!start || !end)) return [];
  const byDate = new Map<string, number>();
  for (const p of points) byDate.set(p.date.slice(0, 10), (byDate.get(p.date.slice(0, 10)) ?? 0) + p.value);
  const dates = [...byDate.keys()].sort();
  const from = start ?? dates[0];
  const to = end ?? dates[dates.length - 1];
  const out: Point[] = [];
  for (let d = from; d <= to; d = addDaysIso(d, 1)) out.push({ date: d, value: byDate.get(d) ?? 0 });
  return out;
}
