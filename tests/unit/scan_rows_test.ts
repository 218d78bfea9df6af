import assert from "node:assert/strict";
import { CsvSummarizer, scanRows, summarizeCsv } from "../../analytics/combine.ts";
import { lastRecordEnd } from "../../analytics/csv_slices.ts";
import { mulberry32 } from "../../data/generate_sample.ts";
import { parseCsv } from "../helpers/csv.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A CSV value of a random shape: plain, empty, quoted with commas, line feeds or doubled quotes. */
function randomValue(rnd: () => number): { raw: string; value: string } {
  const shapes = [
    () => ({ raw: "plain", value: "plain" }),
    () => ({ raw: "", value: "" }),
    () => ({ raw: `"a,b"`, value: "a,b" }),
    () => ({ raw: `"two\nlines"`, value: "two\nlines" }),
    () => ({ raw: `"say ""hi"""`, value: 'say "hi"' }),
    () => ({ raw: `""`, value: "" }),
    () => ({ raw: String(Math.round(rnd() * 1e5) / 100), value: "" }),
  ];
  const shape = shapes[Math.floor(rnd() * shapes.length)]();
  return shape.value === "" && shape.raw !== "" && shape.raw !== `""` ? { ...shape, value: shape.raw } : shape;
}

/** A random CSV (header and `rows` rows of `columns` fields), LF or CRLF line ends. */
function randomCsv(seed: number, rows: number, columns: number, crlf: boolean): string {
  const rnd = mulberry32(seed);
  const end = crlf ? "\r\n" : "\n";
  const lines = [Array.from({ length: columns }, (_, i) => `c${i}`).join(",")];
  for (let r = 0; r < rows; r++) lines.push(Array.from({ length: columns }, () => randomValue(rnd).raw).join(","));
  return lines.join(end) + (rnd() < 0.5 ? end : "");
}

Deno.test("scanRows: every row's range and wanted fields match an independent RFC 4180 reader", async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const rnd = mulberry32(seed * 7);
    // Two columns at least: a one-column row that is empty is no row to the reference reader.
    const columns = 2 + Math.floor(rnd() * 8);
    const crlf = seed % 3 === 0;
    const text = randomCsv(seed, 1 + Math.floor(rnd() * 40), columns, crlf);
    const keys = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => Math.floor(rnd() * columns)))];
    const bytes = enc.encode(text);
    const from = bytes.indexOf(0x0a) + 1;
    const seen: { text: string; key: string[] }[] = [];
    await scanRows(
      bytes,
      from,
      keys,
      (start, end, key) => seen.push({ text: dec.decode(bytes.subarray(start, end)), key }),
    );
    const expected = parseCsv(text).slice(1);
    assert.equal(seen.length, expected.length, `seed ${seed}: rows`);
    seen.forEach((row, i) => {
      assert.deepEqual(row.key, keys.map((k) => expected[i][k]), `seed ${seed}, row ${i}: keys ${keys}`);
      assert.deepEqual(parseCsv(row.text)[0], expected[i], `seed ${seed}, row ${i}: range`);
    });
  }
});

Deno.test("scanRows: a quote that never closes runs to the end, as one last row", async () => {
  const bytes = enc.encode('a,b,c\n1,x,"open\n2,y,z\n');
  const rows: string[][] = [];
  await scanRows(bytes, 6, [0], (_s, _e, key) => rows.push(key));
  assert.deepEqual(rows, [["1"]]);
});

Deno.test("CsvSummarizer: rows and cost total as an independent reading of the same values", async () => {
  const costs = ["12.5", "1,234.50", "$2,000", "-$5", "abc", "", " 7 ", "1e3", "-0.25"];
  const csv = "BilledCost,ServiceName\n" + costs.map((c, i) => `"${c}",svc ${i}`).join("\n") + "\n";
  // Independently: strip one leading "$" (after a sign) and thousands separators, anything else is 0.
  const gold = costs.reduce((sum, c) => {
    const n = Number(c.trim().replace(/^(-?)\$/, "$1").replaceAll(",", ""));
    return sum + (Number.isFinite(n) ? n : 0);
  }, 0);
  const whole = await summarizeCsv(enc.encode(csv), "BilledCost");
  assert.equal(whole.rows, costs.length);
  assert.equal(whole.total, Math.round(gold * 1e6) / 1e6);
  // Fed as slices it adds up to the same.
  const summary = new CsvSummarizer(() => "BilledCost");
  const bytes = enc.encode(csv);
  const cut = lastRecordEnd(bytes.subarray(0, 60));
  await summary.add(bytes.subarray(0, cut));
  await summary.add(bytes.subarray(cut));
  assert.deepEqual(summary.result, whole);
});
