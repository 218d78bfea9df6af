import assert from "node:assert/strict";
import { countLines, csvSlices, lastRecordEnd, leadingLines, withPreamble } from "../../analytics/csv_slices.ts";
import { normaliseCsv, normaliseStream, type StreamInfo } from "../../analytics/csv_input.ts";
import { concatBytes } from "../../analytics/bytes.ts";
import { mulberry32 } from "../../data/generate_sample.ts";
import type { ValidationError } from "../../errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** `bytes` as chunks of `size` bytes (copies, as a network stream delivers them). */
function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.slice(i, i + size);
}

async function all(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/**
 * Records of a CSV text split by an independent reference reader (RFC 4180: quotes toggle,
 * `""` inside quotes is a quote): the text of each record including its line feed.
 */
function referenceRecords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === "\n" && !quoted) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** A CSV whose values hold quoted commas, quoted line feeds and escaped quotes, `rows` rows. */
function trickyCsv(rows: number, seed = 3): string {
  const rnd = mulberry32(seed);
  const lines = ["date,cost,note"];
  for (let i = 0; i < rows; i++) {
    const kind = Math.floor(rnd() * 4);
    const note = kind === 0 ? "plain" : kind === 1 ? '"a, b"' : kind === 2 ? '"line one\nline two"' : '"say ""hi"""';
    lines.push(`2024-01-${String(1 + (i % 28)).padStart(2, "0")},${(rnd() * 100).toFixed(2)},${note}`);
  }
  return lines.join("\n") + "\n";
}

Deno.test("lastRecordEnd: a line feed inside quotes is not a record end; escaped quotes keep the count right", () => {
  assert.equal(lastRecordEnd(enc.encode('a,b\n1,"x\ny"\n2,')), 12);
  assert.equal(lastRecordEnd(enc.encode('a,b\n1,"x\ny')), 4);
  assert.equal(lastRecordEnd(enc.encode('1,"say ""hi""\n"\n')), 16);
  assert.equal(lastRecordEnd(enc.encode("no line end")), 0);
});

Deno.test("csvSlices: any chunking and slice size gives whole records, in order, with nothing lost or added", async () => {
  const text = trickyCsv(3000);
  const bytes = enc.encode(text);
  const records = referenceRecords(text);
  for (const [chunk, size] of [[1 << 20, 4096], [7, 512], [333, 100], [bytes.byteLength, 1 << 20], [64, 1]]) {
    const slices = await all(csvSlices(chunksOf(bytes, chunk), size));
    assert.equal(dec.decode(concatBytes(slices)), text, `chunks ${chunk}, slices ${size}`);
    // Every slice is a run of whole records (the reference reader cuts it the same way).
    let at = 0;
    for (const slice of slices) {
      const own = referenceRecords(dec.decode(slice));
      assert.deepEqual(own, records.slice(at, at + own.length));
      at += own.length;
    }
    assert.equal(at, records.length);
    if (size >= 4096) assert.ok(slices.length > 1 || bytes.byteLength < size);
  }
});

Deno.test("csvSlices: a whole file in one buffer is cut into slices of about the slice size", async () => {
  const bytes = enc.encode(trickyCsv(20_000));
  const slices = await all(csvSlices([bytes], 64 * 1024));
  assert.ok(slices.length >= Math.floor(bytes.byteLength / (64 * 1024)), `${slices.length} slices`);
  assert.ok(slices.every((s) => s.byteLength <= 2 * 64 * 1024));
  assert.equal(slices.reduce((n, s) => n + s.byteLength, 0), bytes.byteLength);
});

Deno.test("csvSlices: a quote that never closes is refused once the record limit passes, not held forever", async () => {
  const bytes = enc.encode('date,cost\n2024-01-01,"1\n' + "x,y\n".repeat(10_000));
  await assert.rejects(
    all(csvSlices(chunksOf(bytes, 1000), 1000, 20_000)),
    (e: ValidationError) => e.status === 422 && /quoted value is never closed/.test(e.message),
  );
});

Deno.test("leadingLines and withPreamble: a later slice gets the title lines and the header (a quoted header line feed kept)", () => {
  const first = enc.encode('Report\n"a\nb",c\n1,2\n');
  assert.equal(dec.decode(leadingLines(first, 2)), 'Report\n"a\nb",c\n');
  assert.equal(dec.decode(leadingLines(first, 1)), "Report\n");
  assert.equal(dec.decode(withPreamble(enc.encode("h\n"), enc.encode("1\n"))), "h\n1\n");
  assert.equal(countLines(first), 4);
});

async function normalised(chunks: Iterable<Uint8Array>, info?: StreamInfo): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  return dec.decode(concatBytes(await all(normaliseStream(source(), undefined, info))));
}

Deno.test("normaliseStream: line ends become LF even when CR LF is split between chunks; a lone CR too", async () => {
  const text = "date,cost\r\n2024-01-01,1\r\n2024-01-02,2\r2024-01-03,3\n";
  for (const size of [1, 2, 3, 5, 100]) {
    assert.equal(
      await normalised(chunksOf(enc.encode(text), size)),
      "date,cost\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n",
    );
  }
});

Deno.test("normaliseStream: BOMs, UTF-16 and Windows-1252 come out as UTF-8; the header is read", async () => {
  const info: StreamInfo = { encoding: "utf-8", header: [] };
  assert.equal(await normalised(chunksOf(enc.encode("\uFEFFdate,cost\n1,2\n"), 2), info), "date,cost\n1,2\n");
  assert.deepEqual(info.header, ["date", "cost"]);
  const utf16 = new Uint8Array([0xff, 0xfe, ...[..."d,c\nZü,1\n"].flatMap((ch) => [ch.charCodeAt(0), 0])]);
  const info16: StreamInfo = { encoding: "utf-8", header: [] };
  assert.equal(await normalised(chunksOf(utf16, 3), info16), "d,c\nZü,1\n");
  assert.equal(info16.encoding, "utf-16le");
  const latin = new Uint8Array([...enc.encode("name,cost\nZ"), 0xfc, ...enc.encode("rich,1\n")]);
  const info1252: StreamInfo = { encoding: "utf-8", header: [] };
  assert.equal(await normalised([latin], info1252), "name,cost\nZürich,1\n");
  assert.equal(info1252.encoding, "windows-1252");
});

Deno.test("normaliseStream: the same refusals as normaliseCsv (binary, NUL later on, empty, header only, too wide)", async () => {
  const cases: [Uint8Array, number, RegExp][] = [
    [new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 1]), 415, /binary/],
    [concatBytes([enc.encode("a,b\n" + "1,2\n".repeat(5000)), new Uint8Array([0x31, 0, 0x0a])]), 415, /NUL/],
    [new Uint8Array(0), 422, /empty/],
    [enc.encode("  \n \n"), 422, /empty/],
    [enc.encode("date,cost\n\n"), 422, /no data rows/],
    [enc.encode(Array.from({ length: 1001 }, (_, i) => `c${i}`).join(",") + "\n1\n"), 422, /columns/],
  ];
  for (const [bytes, status, message] of cases) {
    const check = (e: ValidationError) => e.status === status && message.test(e.message);
    await assert.rejects(normalised(chunksOf(bytes, 1024)), check, `stream: ${message}`);
    if (bytes.byteLength) await assert.rejects(normaliseCsv(bytes), check, `whole: ${message}`);
  }
});

Deno.test("normaliseStream: an LF file passes byte for byte, as normaliseCsv passes it", async () => {
  const text = trickyCsv(500);
  assert.equal(await normalised(chunksOf(enc.encode(text), 97)), text);
  assert.equal(dec.decode((await normaliseCsv(enc.encode(text))).bytes), text);
});

Deno.test("csvSlices with reuse: the same slices, intact while the consumer holds one and reads one ahead", async () => {
  const rnd = mulberry32(5);
  const lines = ["a,b,c"];
  for (let i = 0; i < 4000; i++) {
    // Now and then a quoted value with line feeds longer than a slice.
    const long = i % 997 === 3 ? `"${"x\n".repeat(400)}"` : `"q,${i}"`;
    lines.push(`${i},${long},${Math.round(rnd() * 1e6)}`);
  }
  const bytes = enc.encode(lines.join("\n") + "\n");
  for (const chunkSize of [97, 1024, 5000]) {
    const plain = (await all(csvSlices(chunksOf(bytes, chunkSize), 700))).map((s) => dec.decode(s));
    const reused = csvSlices(chunksOf(bytes, chunkSize), 700, undefined, { reuse: true });
    // The consumer's pattern: slice k in use while slice k + 1 is already cut.
    const seen: string[] = [];
    let held = await reused.next();
    while (!held.done) {
      const text = dec.decode(held.value);
      const ahead = await reused.next();
      assert.equal(dec.decode(held.value), text, "a slice in use is not overwritten by the one read ahead");
      seen.push(text);
      held = ahead;
    }
    assert.deepEqual(seen, plain, `chunks of ${chunkSize}`);
    assert.equal(seen.join(""), dec.decode(bytes));
  }
});
