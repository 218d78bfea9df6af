/**
 * The check that keeps the LLM honest: every number in a reply must appear in the evidence (the
 * result rows, the passages, the question) or follow from it by rounding, a ratio, a difference,
 * a percentage change, a column total or a row count.
 * @module
 */
import type { ResultSet } from "../../analytics/arrow_json.ts";

/** A number as written in a reply. */
export interface WrittenNumber {
  text: string;
  /** The value in plain units (suffixes k/M/B applied). */
  value: number;
  /** Decimals written (after the suffix is removed). */
  decimals: number;
  /** Multiplier of the suffix (1, 1e3, 1e6, 1e9). */
  scale: number;
  percent: boolean;
}

const NUMBER = /(?<![\p{L}\d._\-/])[-−]?[$€£¥₹]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(k|K|M|B|bn|%)?(?![\p{L}\d])/gu;
const SCALE: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, B: 1e9, bn: 1e9 };

/**
 * Finds the numbers of a text, ignoring code spans and blocks.
 *
 * @example
 * extractNumbers("EC2 cost $1,234.5 (12%), about 1.2M").map((n) => n.value) // → [1234.5, 12, 1200000]
 */
export function extractNumbers(text: string): WrittenNumber[] {
  const plain = text.replace(/```[\s\S]*?```/g, " ").replace(/`[^`]*`/g, " ");
  const out: WrittenNumber[] = [];
  for (const m of plain.matchAll(NUMBER)) {
    const int = m[1].replaceAll(",", "");
    const frac = m[2] ?? "";
    const suffix = m[3] ?? "";
    const scale = SCALE[suffix] ?? 1;
    const base = Number(int + frac);
    out.push({
      text: m[0].trim(),
      value: base * scale,
      decimals: frac ? frac.length - 1 : 0,
      scale,
      percent: suffix === "%",
    });
  }
  return out;
}

/** Numbers found in evidence values (numbers, numeric strings, date parts). */
function numbersIn(value: unknown, into: number[]): void {
  if (typeof value === "number" && Number.isFinite(value)) into.push(value);
  else if (typeof value === "string") {
    for (const m of value.matchAll(/\d+(?:\.\d+)?/g)) into.push(Number(m[0]));
  }
}

/** The evidence a reply may draw numbers from. */
export interface Evidence {
  results: ResultSet[];
  texts: string[];
}

/**
 * Every number the evidence supports: its values and date parts, row counts, column totals,
 * and for the largest values their pairwise ratios (as % too), differences and changes.
 */
export function supportedNumbers(ev: Evidence): number[] {
  const base: number[] = [];
  for (const t of ev.texts) for (const n of extractNumbers(t)) base.push(n.value, Math.abs(n.value));
  const numeric: number[] = [];
  for (const rs of ev.results) {
    base.push(rs.rows.length);
    rs.columns.forEach((_, c) => {
      let sum = 0;
      let any = false;
      for (const row of rs.rows) {
        numbersIn(row[c], base);
        if (typeof row[c] === "number") {
          sum += row[c] as number;
          any = true;
          numeric.push(row[c] as number);
        }
      }
      if (any) {
        base.push(sum);
        numeric.push(sum); // shares of the total are ratios to it
      }
    });
  }
  const top = [...new Set(numeric.map(Math.abs))].sort((a, b) => b - a).slice(0, 80);
  const derived: number[] = [];
  for (const a of top) {
    for (const b of top) {
      if (a === b) continue;
      derived.push(Math.abs(a - b));
      if (b !== 0) derived.push(a / b, (a / b) * 100, ((a - b) / b) * 100, Math.abs(((a - b) / b) * 100));
    }
  }
  return [...base.map(Math.abs), ...derived];
}

/** Whether a written number is the given value rounded as written. */
export function roundsTo(w: WrittenNumber, value: number): boolean {
  const target = Math.abs(w.value) / w.scale;
  const candidates = w.percent ? [value, value * 100] : [value];
  return candidates.some((v) => {
    const x = Math.abs(v) / w.scale;
    const f = 10 ** w.decimals;
    // Rounded as written, with a little slack for halves rounded the other way ("$1.2k" for
    // 1,250); never "$1,234.57" for 1,234.50 or "$1.3k" for 1,234.57.
    return Math.abs(Math.round(x * f) / f - target) < 1e-9 || Math.abs(x - target) <= 0.55 / f;
  });
}

/**
 * Checks a reply against its evidence; returns the numbers it cannot support (empty when fine).
 * Small counts (≤ 10) are allowed: "top 5", "3 services", "1 of".
 *
 * @example
 * unsupportedNumbers("EC2 cost $1,234.57", { results: [rs([[1234.5678]])], texts: [] }) // → []
 * unsupportedNumbers("EC2 cost $9,999", { results: [rs([[1234.5678]])], texts: [] }) // → ["$9,999"]
 */
export function unsupportedNumbers(reply: string, ev: Evidence): string[] {
  const written = extractNumbers(reply);
  if (!written.length) return [];
  const supported = supportedNumbers(ev);
  return written
    .filter((w) => !(Number.isInteger(w.value) && Math.abs(w.value) <= 10 && !w.percent))
    .filter((w) => !supported.some((v) => roundsTo(w, v)))
    .map((w) => w.text);
}
