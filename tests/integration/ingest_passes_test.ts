/**
 * How ingest reads a large table: duplicate rows counted in passes of bounded size (ranges of
 * charge time, a busy time split by hash), and checkpoints before half a row group is pending.
 * @module
 */
import assert from "node:assert/strict";
import { tableNames } from "../../analytics/engine.ts";
import { ingestCsv } from "../../analytics/ingest.ts";
import { csvSlices } from "../../analytics/csv_slices.ts";
import { focusCsv } from "../../bench/gen.ts";
import { mulberry32 } from "../../data/generate_sample.ts";
import { engineTest, sharedEngine } from "../helpers/app.ts";

const enc = new TextEncoder();

/**
 * A billing CSV with duplicates placed on purpose: within one day, within a busy day (more rows
 * than a pass takes), and among rows without a date. Returns the text and the duplicate count,
 * counted independently on the lines' text (every value is written one way only).
 */
function csvWithDuplicates(): { csv: string; duplicates: number } {
  const rnd = mulberry32(11);
  const lines: string[] = [];
  for (let day = 1; day <= 12; day++) {
    const rows = day === 5 ? 40 : 4;
    for (let i = 0; i < rows; i++) {
      lines.push(`2025-03-${String(day).padStart(2, "0")},${Math.round(rnd() * 1000) / 100},svc-${i % 3},acct-${i}`);
    }
  }
  lines.push(",1.5,svc-0,nodate-1", ",2.5,svc-1,nodate-2");
  // Repeats: two in an ordinary day, three in the busy day, one without a date.
  lines.push(lines[1], lines[2], lines[20], lines[30], lines[30], lines.at(-1)!);
  const shuffled = lines.map((line) => ({ line, key: rnd() })).sort((a, b) => a.key - b.key).map((x) => x.line);
  return {
    csv: "ChargePeriodStart,BilledCost,ServiceName,SubAccountName\n" + shuffled.join("\n") + "\n",
    duplicates: lines.length - new Set(lines).size,
  };
}

Deno.test({
  name:
    "ingest: duplicate rows counted the same in one pass and in passes of 7 rows (time ranges, hash shares, no date)",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const { csv, duplicates } = csvWithDuplicates();
    assert.equal(duplicates, 6);
    for (const duplicatePassRows of [undefined, 7, 1]) {
      const id = crypto.randomUUID();
      const ds = await ingestCsv(engine, id, "dupes.csv", enc.encode(csv), { duplicatePassRows });
      assert.equal(ds.quality.duplicateRows, duplicates, `passes of ${duplicatePassRows ?? "default"} rows`);
      assert.equal(ds.rows, csv.trim().split("\n").length - 1);
      await engine.unload(id);
    }
  },
});

Deno.test({
  name: "ingest: checkpoints come before half a row group is pending, and nothing merges the row groups later",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const rows = 300_000;
    const csv = enc.encode(focusCsv(rows));
    const id = crypto.randomUUID();
    const ds = await ingestCsv(engine, id, "big.csv", csvSlices([csv]));
    assert.equal(ds.rows, rows);
    const { view } = tableNames(id);
    const groups = await engine.query(
      id,
      `SELECT row_group_id, MAX(start + count) - MIN(start) AS n FROM pragma_storage_info('${view}') ` +
        `WHERE column_path = '[0]' GROUP BY 1 ORDER BY 1`,
    );
    const sizes = groups.rows.map((r) => Number(r[1]));
    assert.equal(sizes.reduce((a, b) => a + b, 0), rows);
    const half = 122_880 / 2;
    // At most half a row group each (a merge would have made them larger), and no fragments
    // but the last (4 MB slices of this file hold ≈ 28,000 rows).
    sizes.forEach((n, i) => {
      assert.ok(n <= half, `row group ${i}: ${n} rows (${sizes})`);
      if (i < sizes.length - 1) assert.ok(n > half / 2, `row group ${i}: ${n} rows (${sizes})`);
    });
    await engine.unload(id);
  },
});
