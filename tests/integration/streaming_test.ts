/**
 * Streamed ingest (issue 24): an upload is checked, stored and read into the engine slice by
 * slice as it arrives. Gold values are computed here from the rows written, independently of
 * the code under test.
 * @module
 */
import assert from "node:assert/strict";
import { importStream } from "../../agents/data_loader.ts";
import { tableNames } from "../../analytics/engine.ts";
import { gzip } from "../../memory/blobs.ts";
import { getDatasetMeta } from "../../memory/datasets.ts";
import { keys } from "../../memory/keys.ts";
import { engineTest, kvKeys, newSession, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app, deps } = running;
const enc = new TextEncoder();

/** Tiny slices, so that a few thousand rows cross dozens of slice boundaries. */
const LIMITS = { maxColumns: 1000, maxRows: 1_000_000, sliceBytes: 2048 };

/** `bytes` as chunks of `size` bytes, as a network stream delivers them. */
async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.slice(i, i + size);
}

interface Billing {
  csv: string;
  rows: number;
  totalCents: number;
  /** The note of row 99 (a quoted value with a comma, quotes and a line feed). */
  note99: string;
}

/**
 * A billing file whose later rows break the types its first rows suggest: whole-dollar costs
 * first, cents from row `decimalsFrom` on, and a word in the whole-number `Hours` column at the
 * end. Notes carry quoted commas, quoted line feeds and escaped quotes.
 */
function billing(rows: number, decimalsFrom: number): Billing {
  const lines = ["ChargePeriodStart,BilledCost,ServiceName,Hours,Note"];
  let totalCents = 0;
  let note99 = "";
  for (let i = 0; i < rows; i++) {
    const cents = i < decimalsFrom ? (i % 50) * 100 : (i % 50) * 100 + (i % 97);
    totalCents += cents;
    const note = i % 3 === 0 ? `row ${i}, "quoted"\nsecond line` : `row ${i}`;
    if (i === 99) note99 = note;
    const hours = i === rows - 1 ? "about 3" : String(i % 24);
    const service = ["Compute", "Storage", "Database"][i % 3];
    lines.push(
      `2025-03-${String(1 + (i % 28)).padStart(2, "0")},${(cents / 100).toFixed(i < decimalsFrom ? 0 : 2)},` +
        `${service},${hours},"${note.replaceAll('"', '""')}"`,
    );
  }
  return { csv: lines.join("\n") + "\n", rows, totalCents, note99 };
}

async function tableTotals(datasetId: string): Promise<{ rows: number; cents: number; note99: string }> {
  const { view } = tableNames(datasetId);
  const rs = await deps.engine.query(
    datasetId,
    `SELECT COUNT(*), ROUND(SUM("BilledCost") * 100), MAX("Note") FILTER (WHERE "Note" LIKE 'row 99,%') FROM "${view}"`,
  );
  const [rows, cents, note] = rs.rows[0];
  return { rows: Number(rows), cents: Number(cents), note99: String(note) };
}

Deno.test({
  name: "streamed upload across dozens of slices: every row, cent and quoted line feed arrives; later types widen",
  ...engineTest,
  async fn() {
    const id = await newSession(app, false);
    const gold = billing(3000, 1500);
    const bytes = enc.encode(gold.csv);
    const outcome = await importStream(deps, "march.csv", chunksOf(bytes, 700), LIMITS, { sessionId: id });
    const meta = outcome.meta;
    assert.equal(meta.rows, gold.rows);
    assert.deepEqual(await tableTotals(meta.id), { rows: gold.rows, cents: gold.totalCents, note99: gold.note99 });
    // The decimal re-typed the cost column; the word re-typed Hours as text.
    assert.match(meta.setupSql.join(" "), /TRY_CAST\("BilledCost" AS DOUBLE\)/);
    assert.match(meta.setupSql.join(" "), /"Hours" AS "Hours"/);
    const types = await deps.engine.query(meta.id, `DESCRIBE "${tableNames(meta.id).view}"`);
    assert.deepEqual(types.rows.filter((r) => r[0] === "Hours").map((r) => r[1]), ["VARCHAR"]);
    assert.equal(meta.quality.unparsable.BilledCost, 0);
    // The file as recorded: rows and total from the stream's own pass, the hash of its bytes.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const file = outcome.added[0];
    assert.equal(file.hash, [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    assert.equal(file.rows, gold.rows);
    assert.equal(Math.round(file.total! * 100), gold.totalCents);
    // Stored in KV as the bytes that arrived: loaded again from there, slice by slice, it is the same.
    await deps.engine.unload(meta.id);
    await deps.engine.ensure(meta, async () => {
      const { streamDatasetBytes } = await import("../../memory/datasets.ts");
      return streamDatasetBytes(deps.kv, meta);
    });
    assert.deepEqual(await tableTotals(meta.id), { rows: gold.rows, cents: gold.totalCents, note99: gold.note99 });
  },
});

Deno.test({
  name: "a bad line in a later slice is named by its line in the file, and nothing is left behind",
  ...engineTest,
  async fn() {
    const id = await newSession(app, false);
    const gold = billing(2000, 0);
    // Line numbers count the file's lines: the header is line 1 and quoted notes span two.
    const lines = gold.csv.split("\n");
    const bad = 2400;
    lines[bad - 1] = lines[bad - 1].replace(/^([^,]*),/, "$1,1,");
    assert.ok(!lines[bad - 1].startsWith("second line"), "the bad line is a record start");
    const before = await kvKeys(deps.kv);
    await assert.rejects(
      importStream(deps, "bad.csv", chunksOf(enc.encode(lines.join("\n")), 500), LIMITS, { sessionId: id }),
      (e: Error & { status?: number }) => e.status === 422 && new RegExp(`^Line ${bad} has 6 fields`).test(e.message),
    );
    assert.deepEqual(await kvKeys(deps.kv), before);
  },
});

Deno.test({
  name: "route: the upload is stored while its body still arrives; a body that breaks off leaves nothing",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const sessionBefore = (await deps.kv.get<{ datasetId: string }>(keys.session(id))).value!.datasetId;
    const before = await kvKeys(deps.kv);
    const gold = billing(60_000, 0); // ≈ 3 MB
    const bytes = enc.encode(gold.csv);
    let sent = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    const body = (fail: boolean) =>
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent >= bytes.byteLength) {
            await held;
            if (fail) return controller.error(new Error("client went away"));
            return controller.close();
          }
          controller.enqueue(bytes.slice(sent, sent += 64 * 1024));
        },
      });
    const chunkKeys = async () => (await kvKeys(deps.kv)).filter((k) => k.startsWith('["dataset_chunk"')).length;
    const broken = app.request(`/session/${id}/upload-csv`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: body(true),
    });
    // All bytes are sent but the body is not finished: the stored chunks are there already.
    for (let i = 0; i < 200 && (await chunkKeys()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok((await chunkKeys()) > 0, "chunks were stored before the body ended");
    release();
    const r = await broken;
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /interrupted/);
    assert.deepEqual(await kvKeys(deps.kv), before);
    assert.equal((await deps.kv.get<{ datasetId: string }>(keys.session(id))).value!.datasetId, sessionBefore);
  },
});

Deno.test({
  name: "route: .csv.gz streams to the same dataset as the plain file; appending that file again changes nothing",
  ...engineTest,
  async fn() {
    const gold = billing(5000, 2500);
    const id = await newSession(app, false);
    const gz = await gzip(enc.encode(gold.csv));
    const r = await app.request(`/session/${id}/upload-csv`, uploadReq(gz, "march.csv.gz", "application/gzip"));
    assert.equal(r.status, 200, await r.clone().text());
    const dataset = (await r.json()).dataset;
    assert.equal(dataset.rows, gold.rows);
    const meta = await getDatasetMeta(deps.kv, dataset.id);
    assert.deepEqual(await tableTotals(meta.id), { rows: gold.rows, cents: gold.totalCents, note99: gold.note99 });
    const again = await app.request(`/session/${id}/upload-csv?mode=append`, uploadReq(gold.csv, "march.csv"));
    assert.equal(again.status, 200);
    assert.match((await again.json()).message, /^Nothing changed/);
  },
});

Deno.test({
  name: "route: more rows than allowed stop the stream early with a 422, and nothing is kept",
  ...engineTest,
  async fn() {
    const small = await testApp({ maxRows: 8000 }); // the bundled sample has 7,253
    const id = await newSession(small.app, false);
    const before = await kvKeys(small.deps.kv);
    const r = await small.app.request(`/session/${id}/upload-csv`, uploadReq(billing(10_000, 0).csv, "big.csv"));
    assert.equal(r.status, 422);
    assert.match((await r.json()).error.message, /more than 8000 rows/);
    assert.deepEqual(await kvKeys(small.deps.kv), before);
    await small.close();
  },
});

Deno.test({
  name: "a file too large for the engine's memory is refused in plain words, and the engine keeps answering",
  ...engineTest,
  async fn() {
    const { Engine } = await import("../../analytics/engine.ts");
    const { ingestCsv } = await import("../../analytics/ingest.ts");
    const engine = await Engine.start({ workers: 1, queryMemoryMb: 24 });
    try {
      const small = crypto.randomUUID();
      await ingestCsv(engine, small, "small.csv", enc.encode(billing(100, 0).csv));
      const big = enc.encode(billing(400_000, 0).csv);
      await assert.rejects(
        ingestCsv(engine, crypto.randomUUID(), "big.csv", big),
        (e: Error & { status?: number }) =>
          e.status === 413 && /too large for this server's engine memory .*ENGINE_QUERY_MEMORY_MB/.test(e.message),
      );
      // The small dataset answers, from the same worker or a replaced one reloaded on demand.
      const rs = await engine.query(small, `SELECT COUNT(*) FROM "${tableNames(small).view}"`).catch((e) => e);
      assert.ok(!(rs instanceof Error) || /not loaded/.test(String(rs)), String(rs));
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name: "a CR LF file sent again to append changes nothing (the streamed and the whole read hash the same bytes)",
  ...engineTest,
  async fn() {
    const id = await newSession(app, false);
    const csv = billing(200, 0).csv.replaceAll("\n", "\r\n");
    const first = await app.request(`/session/${id}/upload-csv`, uploadReq(csv, "march.csv"));
    assert.equal(first.status, 200);
    const again = await app.request(`/session/${id}/upload-csv?mode=append`, uploadReq(csv, "march.csv"));
    const body = await again.json();
    assert.match(body.message, /^Nothing changed/);
    assert.equal(body.dataset.rows, 200);
  },
});
