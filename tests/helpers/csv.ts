/**
 * A small, independent CSV reader for tests: expected totals are computed with it, not with
 * the engine under test.
 * @module
 */

/** Parses CSV text (RFC 4180 quoting) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let inQ = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQ) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') inQ = false;
      else cell += ch;
    } else if (ch === '"') inQ = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== "");
}

/** Reads a CSV file into objects keyed by header. */
export function readCsvObjects(path: string | URL): Record<string, string>[] {
  const [header, ...rows] = parseCsv(Deno.readTextFileSync(path).replace(/^\uFEFF/, ""));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

/** Sums a numeric column, optionally over rows that pass a filter ("NULL" and "" count as absent). */
export function sumColumn(
  rows: Record<string, string>[],
  column: string,
  where: (r: Record<string, string>) => boolean = () => true,
): number {
  let s = 0;
  for (const r of rows) {
    const v = r[column];
    if (!where(r) || v === undefined || v === "" || v === "NULL") continue;
    s += Number(v);
  }
  return s;
}

/** Rounds to cents. */
export function cents(n: number): number {
  return Math.round(n * 100) / 100;
}
