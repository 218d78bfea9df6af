/**
 * Several files, one dataset (issue 23): a CUR month split in three gzipped parts inside a zip
 * (and a tar.gz) is one dataset; sending it again changes nothing; appending a month adds it;
 * re-sending a billing period replaces it instead of counting it twice. Totals are computed here.
 * @module
 */
import assert from "node:assert/strict";
import { gzipSync, zipSync } from "fflate";
import { askOk, engineTest, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;
const enc = (s: string) => new TextEncoder().encode(s);

const CUR_HEAD = "identity/LineItemId,bill/BillingPeriodStartDate,bill/PayerAccountId,lineItem/UsageStartDate," +
  "lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UnblendedCost,product/region";

/** Three parts of one CUR month: rows with known costs. */
function curParts(month = "2025-03", scale = 1): { csv: string[]; total: number } {
  const parts: string[] = [];
  let total = 0;
  for (let p = 0; p < 3; p++) {
    const lines = [CUR_HEAD];
    for (let i = 0; i < 5; i++) {
      const cost = Math.round((p * 10 + i + 1.25) * scale * 100) / 100;
      total += cost;
      lines.push(
        `li-${month}-${p}-${i},${month}-01T00:00:00Z,999,${month}-0${i + 1}T00:00:00Z,111,Amazon${
          p ? "S3" : "EC2"
        },${cost},us-east-1`,
      );
    }
    parts.push(lines.join("\n") + "\n");
  }
  return { csv: parts, total: Math.round(total * 100) / 100 };
}

function zipOf(csv: string[], month = "2025-03"): Uint8Array {
  return zipSync(Object.fromEntries(csv.map((c, i) => [`cur/${month}/cur-0000${i + 1}.csv.gz`, gzipSync(enc(c))])));
}

/** A minimal ustar archive (what `tar czf` makes), gzipped. */
function tarGzOf(files: [string, string][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, text] of files) {
    const data = enc(text);
    const header = new Uint8Array(512);
    header.set(enc(name), 0);
    header.set(enc("0000644\0"), 100);
    header.set(enc(data.byteLength.toString(8).padStart(11, "0") + "\0"), 124);
    header.set(enc("0"), 156);
    header.set(enc("ustar\0"), 257);
    header.set(enc("        "), 148);
    const sum = header.reduce((a, b) => a + b, 0);
    header.set(enc(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    blocks.push(header, data, new Uint8Array((512 - (data.byteLength % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const tar = new Uint8Array(blocks.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of blocks) {
    tar.set(b, at);
    at += b.byteLength;
  }
  return gzipSync(tar);
}

async function newSession(): Promise<string> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
  return (await r.json()).session_id;
}

async function send(id: string, bytes: Uint8Array | string, name: string, mode = "replace") {
  const r = await app.request(
    `/session/${id}/upload-csv?mode=${mode}`,
    uploadReq(bytes, name, "application/octet-stream"),
  );
  return { status: r.status, body: await r.json() };
}

type Answer = { result: { rows: unknown[][] }; response: string };
const total = async (id: string) => Number((await askOk<Answer>(app, id, "total billed cost")).result.rows[0][0]);
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

t("a month in three gzipped parts in a zip is one dataset; sending it again changes nothing", async () => {
  const id = await newSession();
  const { csv, total: gold } = curParts();
  const first = await send(id, zipOf(csv), "cur-2025-03.zip");
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.dataset.rows, 15);
  assert.equal(first.body.dataset.files.length, 3);
  assert.deepEqual(first.body.dataset.files[0].periods, ["2025-03 · 999"]);
  const partTotals = first.body.dataset.files.map((f: { total: number }) => f.total);
  assert.ok(Math.abs(partTotals.reduce((a: number, b: number) => a + b, 0) - gold) < 1e-9, JSON.stringify(partTotals));
  assert.ok(Math.abs((await total(id)) - gold) < 1e-9);
  const again = await send(id, zipOf(csv), "cur-2025-03.zip", "append");
  assert.equal(again.status, 200);
  assert.match(again.body.message, /Nothing changed/);
  assert.ok(Math.abs((await total(id)) - gold) < 1e-9);
});

t("a tar.gz of parts loads the same", async () => {
  const id = await newSession();
  const { csv, total: gold } = curParts();
  const r = await send(id, tarGzOf(csv.map((c, i) => [`part-${i}.csv`, c])), "cur.tar.gz");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(Math.abs((await total(id)) - gold) < 1e-9);
  const tgz = await send(await newSession(), tarGzOf(csv.map((c, i) => [`part-${i}.csv`, c])), "cur.tgz");
  assert.equal(tgz.status, 200, JSON.stringify(tgz.body));
  // A spreadsheet is a zip too, and is refused as what it is.
  const xlsx = await send(id, zipOf(csv), "costs.xlsx");
  assert.equal(xlsx.status, 415);
});

t("append adds a month; re-sending a month replaces it instead of counting it twice", async () => {
  const id = await newSession();
  const march = curParts("2025-03");
  const april = curParts("2025-04");
  await send(id, zipOf(march.csv), "march.zip");
  const added = await send(id, zipOf(april.csv, "2025-04"), "april.zip", "append");
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.equal(added.body.dataset.rows, 30);
  assert.ok(Math.abs((await total(id)) - (march.total + april.total)) < 1e-9);
  // March restated (every cost doubled): its old rows go, the new ones come.
  const restated = curParts("2025-03", 2);
  const replaced = await send(id, zipOf(restated.csv), "march-restated.zip", "append");
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  assert.match(replaced.body.message, /replaced the old rows: 2025-03 · 999/);
  assert.equal(replaced.body.dataset.rows, 30);
  assert.ok(Math.abs((await total(id)) - (restated.total + april.total)) < 1e-9);
  const by = await askOk<Answer>(app, id, "cost by month");
  assert.match(by.response, /Data: \d+ files, billing periods 2025-03, 2025-04/);
  const files = (await (await app.request(`/session/${id}/dataset`)).json()).files;
  assert.ok(files.some((f: { name: string }) => f.name === "cur-00001.csv"), JSON.stringify(files));
});

t("a file with other columns is refused when appended, and the data stays as it was", async () => {
  const id = await newSession();
  const { csv, total: gold } = curParts();
  await send(id, zipOf(csv), "march.zip");
  const other = await send(id, "date,cost\n2025-04-01,5\n", "other.csv", "append");
  assert.equal(other.status, 422);
  assert.match(other.body.error.message, /does not have the same columns/);
  assert.ok(Math.abs((await total(id)) - gold) < 1e-9);
  const bad = await send(id, "date,cost\n2025-04-01,5\n", "x.csv", "merge");
  assert.equal(bad.status, 400);
});

Deno.test({ name: "multifile: cleanup", ...engineTest, fn: () => running.close() });
