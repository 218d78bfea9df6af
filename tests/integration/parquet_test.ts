/**
 * Parquet exports (issue 23): written here with hyparquet-writer in the FOCUS and CUR 2.0 shapes,
 * uploaded through the API, and answered with the same totals as their CSV twins.
 * @module
 */
import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { csvValue, isParquet, parquetToCsv } from "../../analytics/parquet.ts";
import { askOk, engineTest, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const days = ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"];
const services = ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "AWS Lambda"];
const ROWS = days.flatMap((d, i) =>
  services.map((s, j) => ({
    date: new Date(`${d}T00:00:00Z`),
    service: s,
    billed: Math.round((10 + i * 3 + j * 7.25) * 100) / 100,
    effective: Math.round((9 + i * 2.5 + j * 6) * 100) / 100,
    region: j === 1 ? "eu-west-1" : "us-east-1",
    tags: j === 2 ? null : JSON.stringify({ team: j ? "data" : "web", env: "prod" }),
  }))
);

function focusParquet(codec: "SNAPPY" | "UNCOMPRESSED" = "SNAPPY", rowGroupSize = 5): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    codec,
    rowGroupSize,
    columnData: [
      { name: "ChargePeriodStart", data: ROWS.map((r) => r.date), type: "TIMESTAMP" },
      { name: "BilledCost", data: ROWS.map((r) => r.billed), type: "DOUBLE" },
      { name: "EffectiveCost", data: ROWS.map((r) => r.effective), type: "DOUBLE" },
      { name: "ServiceName", data: ROWS.map((r) => r.service), type: "STRING" },
      { name: "RegionId", data: ROWS.map((r) => r.region), type: "STRING" },
      { name: "BillingCurrency", data: ROWS.map(() => "USD"), type: "STRING" },
      { name: "Tags", data: ROWS.map((r) => r.tags), type: "JSON" },
    ],
  }));
}

function focusCsv(): string {
  const head = "ChargePeriodStart,BilledCost,EffectiveCost,ServiceName,RegionId,BillingCurrency,Tags";
  const lines = ROWS.map((r) =>
    [r.date.toISOString().slice(0, 10) + " 00:00:00", r.billed, r.effective, r.service, r.region, "USD", r.tags]
      .map(csvValue).join(",")
  );
  return [head, ...lines].join("\n") + "\n";
}

Deno.test("parquet: magic bytes, values as CSV text (maps and key/value lists as JSON, UTC timestamps)", async () => {
  const bytes = focusParquet();
  assert.ok(isParquet(bytes));
  assert.ok(!isParquet(new TextEncoder().encode("a,b\n1,2\n")));
  assert.equal(csvValue(new Date("2025-03-01T00:00:00Z")), "2025-03-01 00:00:00");
  assert.equal(csvValue(new Map([["team", "web"]])), '"{""team"":""web""}"');
  assert.equal(csvValue([{ key: "env", value: "prod" }]), '"{""env"":""prod""}"');
  assert.equal(csvValue(12n), "12");
  const csv = new TextDecoder().decode(await parquetToCsv(bytes));
  assert.equal(
    csv.split("\n")[0],
    "ChargePeriodStart,BilledCost,EffectiveCost,ServiceName,RegionId,BillingCurrency,Tags",
  );
  assert.equal(csv.trim().split("\n").length, ROWS.length + 1, "every row of every row group");
  await assert.rejects(parquetToCsv(bytes.slice(0, bytes.length - 20)), /could not be read/);
});

const running = await testApp();
const { app } = running;

async function upload(
  bytes: Uint8Array | string,
  name: string,
): Promise<{ id: string; body: Record<string, unknown> }> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
  const id = (await r.json()).session_id;
  const up = await app.request(`/session/${id}/upload-csv`, uploadReq(bytes, name, "application/octet-stream"));
  const body = await up.json();
  assert.equal(up.status, 200, JSON.stringify(body));
  return { id, body };
}

type Answer = { result: { rows: unknown[][] } };

Deno.test({
  name: "parquet: a FOCUS export (snappy and uncompressed, several row groups) answers like its CSV twin",
  ...engineTest,
  async fn() {
    const csv = await upload(focusCsv(), "focus.csv");
    for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
      const pq = await upload(focusParquet(codec), `focus-${codec}.snappy.parquet`);
      assert.equal((pq.body.dataset as { schema: string }).schema, "focus-1.0");
      for (const q of ["total billed cost", "effective cost by service", "cost by team tag", "daily cost"]) {
        const a = await askOk<Answer>(app, pq.id, q);
        const b = await askOk<Answer>(app, csv.id, q);
        assert.deepEqual(a.result.rows, b.result.rows, `${codec}: ${q}`);
      }
    }
    const total = await askOk<Answer>(app, csv.id, "total billed cost");
    assert.ok(Math.abs(Number(total.result.rows[0][0]) - ROWS.reduce((s, r) => s + r.billed, 0)) < 1e-9);
  },
});

Deno.test({
  name: "parquet: a CUR 2.0 export is detected and mapped",
  ...engineTest,
  async fn() {
    const bytes = new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "line_item_usage_start_date", data: ROWS.map((r) => r.date), type: "TIMESTAMP" },
        { name: "line_item_unblended_cost", data: ROWS.map((r) => r.billed), type: "DOUBLE" },
        { name: "line_item_product_code", data: ROWS.map((r) => r.service), type: "STRING" },
        { name: "line_item_usage_account_id", data: ROWS.map(() => "123456789012"), type: "STRING" },
        { name: "product_region_code", data: ROWS.map((r) => r.region), type: "STRING" },
        { name: "line_item_line_item_type", data: ROWS.map(() => "Usage"), type: "STRING" },
        {
          name: "bill_billing_period_start_date",
          data: ROWS.map(() => new Date("2025-03-01T00:00:00Z")),
          type: "TIMESTAMP",
        },
      ],
    }));
    const { id, body } = await upload(bytes, "cur2-00001.snappy.parquet");
    assert.match((body.dataset as { schema: string }).schema, /aws-cur/);
    const regions = await askOk<Answer>(app, id, "billed cost by region");
    const gold = Object.groupBy(ROWS, (r) => r.region);
    for (const [region, rows] of Object.entries(gold)) {
      const got = regions.result.rows.find((r) => r[0] === region)!;
      assert.ok(Math.abs(Number(got[1]) - rows!.reduce((s, r) => s + r.billed, 0)) < 1e-9, region);
    }
  },
});

/**
 * A zstd frame made of raw (stored) blocks: valid zstd that any decoder reads, written without a
 * zstd compressor (RFC 8878: frame header with single segment and 4-byte content size, blocks of
 * at most 128 KiB). Lets the test write a ZSTD Parquet file so the reader's zstd path runs.
 */
function rawZstd(input: Uint8Array): Uint8Array {
  const blocks: number[] = [];
  const max = 128 * 1024;
  for (let at = 0; at < input.length || at === 0; at += max) {
    const size = Math.min(max, input.length - at);
    const last = at + max >= input.length ? 1 : 0;
    const header = last | (0 << 1) | (size << 3);
    blocks.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...input.subarray(at, at + size));
    if (input.length === 0) break;
  }
  const n = input.length;
  return new Uint8Array([
    0x28,
    0xb5,
    0x2f,
    0xfd,
    0xa0,
    n & 0xff,
    (n >> 8) & 0xff,
    (n >> 16) & 0xff,
    (n >>> 24) & 0xff,
    ...blocks,
  ]);
}

/** The FOCUS rows again, zstd-compressed, with Tags as a Parquet MAP (as AWS and Azure FOCUS exports write it). */
function focusParquetZstdMap(): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    codec: "ZSTD",
    compressors: { ZSTD: rawZstd },
    columnData: [
      { name: "ChargePeriodStart", data: ROWS.map((r) => r.date) },
      { name: "BilledCost", data: ROWS.map((r) => r.billed) },
      { name: "EffectiveCost", data: ROWS.map((r) => r.effective) },
      { name: "ServiceName", data: ROWS.map((r) => r.service) },
      { name: "RegionId", data: ROWS.map((r) => r.region) },
      { name: "BillingCurrency", data: ROWS.map(() => "USD") },
      { name: "Tags", data: ROWS.map((r) => (r.tags ? JSON.parse(r.tags) : null)) },
    ],
    schema: [
      { name: "root", num_children: 7 },
      { name: "ChargePeriodStart", type: "INT64", converted_type: "TIMESTAMP_MILLIS", repetition_type: "REQUIRED" },
      { name: "BilledCost", type: "DOUBLE", repetition_type: "REQUIRED" },
      { name: "EffectiveCost", type: "DOUBLE", repetition_type: "REQUIRED" },
      { name: "ServiceName", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "RegionId", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "BillingCurrency", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "Tags", repetition_type: "OPTIONAL", converted_type: "MAP", num_children: 1 },
      { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
      { name: "key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
      { name: "value", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ],
  }));
}

Deno.test({
  name: "parquet: zstd compression and a MAP-typed Tags column read like the CSV twin (tags as the same JSON text)",
  ...engineTest,
  async fn() {
    const csv = await upload(focusCsv(), "focus.csv");
    const pq = await upload(focusParquetZstdMap(), "focus.zstd.parquet");
    for (const q of ["total billed cost", "cost by team tag", "cost by env tag", "effective cost by service"]) {
      const a = await askOk<Answer>(app, pq.id, q);
      const b = await askOk<Answer>(app, csv.id, q);
      assert.deepEqual(a.result.rows, b.result.rows, q);
    }
  },
});

Deno.test({
  name: "parquet: accepted with its own content type, refused when the bytes are not Parquet",
  ...engineTest,
  async fn() {
    const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
    const id = (await r.json()).session_id;
    const ok = await app.request(
      `/session/${id}/upload-csv`,
      uploadReq(focusParquet(), "f.parquet", "application/vnd.apache.parquet"),
    );
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const broken = focusParquet().slice(0, 200);
    const bad = await app.request(
      `/session/${id}/upload-csv`,
      uploadReq(broken, "g.parquet", "application/vnd.apache.parquet"),
    );
    assert.ok(bad.status === 415 || bad.status === 422, String(bad.status));
    const msg = (await bad.json()).error.message;
    assert.doesNotMatch(msg, /\/upload|Error:|stack/);
  },
});

Deno.test({ name: "parquet: cleanup", ...engineTest, fn: () => running.close() });
