import assert from "node:assert/strict";
import { indexOfBytes, multipartFile, openUpload, readLimited, readUpload } from "../../routes/upload_body.ts";
import { gzip, pacer } from "../../memory/blobs.ts";
import { ValidationError } from "../../errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A multipart request built by the platform (as browsers and curl build them). */
function formRequest(parts: [string, string | File][]): Request {
  const fd = new FormData();
  for (const [k, v] of parts) fd.append(k, v);
  return new Request("http://x/", { method: "POST", body: fd });
}

Deno.test("indexOfBytes: finds a needle anywhere, including at the very end, and reports absence", () => {
  const hay = enc.encode("ab\r\n--xyz\r\n--xy\r\n--xyz--");
  assert.equal(indexOfBytes(hay, enc.encode("\r\n--xyz")), 2);
  assert.equal(indexOfBytes(hay, enc.encode("\r\n--xyz"), 3), 15);
  assert.equal(indexOfBytes(hay, enc.encode("--xyz--")), 17);
  assert.equal(indexOfBytes(hay, enc.encode("nope")), -1);
});

Deno.test("readUpload: the file part is found among other fields, byte for byte, CRLFs and boundary-like text kept", async () => {
  const csv = "date,cost\r\n2024-01-01,1\r\n--not-a-boundary,2\r\nZürich,3\r\n";
  const req = formRequest([["note", "hello"], ["file", new File([csv], "Bill ü.csv", { type: "text/csv" })], [
    "after",
    "x",
  ]]);
  const up = await readUpload(req, 1024 * 1024);
  assert.equal(dec.decode(up.bytes), csv);
  assert.equal(up.name, "Bill ü.csv");
  assert.equal(up.type, "text/csv");
  assert.equal(up.inflated, false);
});

/** `bytes` as a stream of chunks of `size` bytes. */
async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.slice(i, i + size);
}

/** Every byte of a stream, in one buffer. */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  return await readLimited(ReadableStream.from(chunks), 1 << 30);
}

Deno.test("multipartFile: a missing field is null; a body without boundary or delimiter is a 400", async () => {
  const body = enc.encode('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n');
  assert.equal(await multipartFile(chunksOf(body, 1 << 20), "multipart/form-data; boundary=b", "file"), null);
  const x = await multipartFile(chunksOf(body, 1 << 20), 'multipart/form-data; boundary="b"', "x");
  assert.equal(dec.decode(await collect(x!.chunks)), "1");
  await assert.rejects(
    multipartFile(chunksOf(body, 1 << 20), "multipart/form-data", "file"),
    (e: ValidationError) => e.status === 400,
  );
  await assert.rejects(
    multipartFile(chunksOf(enc.encode("garbage"), 4), "multipart/form-data; boundary=b", "file"),
    (e: ValidationError) => e.status === 400,
  );
  const cut = enc.encode('--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\ndate,co');
  const part = await multipartFile(chunksOf(cut, 1 << 20), "multipart/form-data; boundary=b", "file");
  await assert.rejects(collect(part!.chunks), (e: ValidationError) => e.status === 400);
});

Deno.test("multipartFile: the file is the same byte for byte however the body is cut into chunks (delimiters split too)", async () => {
  const csv = "date,cost\r\n2024-01-01,1\r\n--not-a-boundary,2\r\n\r\n--xy,3\r\n".repeat(20);
  const req = formRequest([["note", "a".repeat(3000)], ["file", new File([csv], "a.csv", { type: "text/csv" })], [
    "after",
    "x",
  ]]);
  const type = req.headers.get("content-type")!;
  const body = new Uint8Array(await req.arrayBuffer());
  for (const size of [1, 2, 3, 7, 13, 64, 1000, body.byteLength]) {
    const part = await multipartFile(chunksOf(body, size), type, "file");
    assert.equal(part?.name, "a.csv");
    assert.equal(dec.decode(await collect(part!.chunks)), csv, `chunks of ${size} bytes`);
  }
});

Deno.test("openUpload: the file streams through (the first bytes are there to tell its format)", async () => {
  const csv = "date,cost\n" + "2024-01-01,1.5\n".repeat(10_000);
  const up = await openUpload(formRequest([["file", new File([csv], "big.csv", { type: "text/csv" })]]), 1e6);
  assert.equal(dec.decode(up.head.subarray(0, 9)), "date,cost");
  let chunks = 0;
  let size = 0;
  for await (const chunk of up.chunks) {
    chunks++;
    size += chunk.byteLength;
  }
  assert.equal(size, csv.length);
  assert.ok(chunks > 1, `arrived in ${chunks} chunks`);
});

Deno.test("readLimited: stops with 413 as soon as the stream passes the limit, whatever Content-Length said", async () => {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(1000));
      if (pulled > 1000) c.close();
    },
  });
  await assert.rejects(readLimited(stream, 10_000, 10), (e: ValidationError) => e.status === 413);
  assert.ok(pulled < 20, `stopped early (${pulled} chunks)`);
  const ok = await readLimited(new Blob([new Uint8Array(5000)]).stream(), 5000, 0);
  assert.equal(ok.byteLength, 5000);
});

Deno.test("readUpload: .csv.gz and gzip bodies are inflated; a gzip bomb is 413 before it is whole; damage is 422", async () => {
  const csv = "date,cost\n" + "2024-01-01,1.5\n".repeat(1000);
  const gz = await gzip(enc.encode(csv));
  const a = await readUpload(
    formRequest([["file", new File([gz as BlobPart], "cur.csv.gz", { type: "application/gzip" })]]),
    1e6,
  );
  assert.equal(a.inflated, true);
  assert.equal(a.name, "cur.csv");
  assert.equal(dec.decode(a.bytes), csv);
  const b = await readUpload(
    new Request("http://x/", {
      method: "POST",
      headers: { "content-type": "text/csv", "content-encoding": "gzip" },
      body: gz as BlobPart,
    }),
    1e6,
    { fallbackName: "raw.csv" },
  );
  assert.equal(dec.decode(b.bytes), csv);

  const gzBody = (bytes: Uint8Array) =>
    new Request("http://x/", {
      method: "POST",
      headers: { "content-type": "text/csv", "content-encoding": "gzip" },
      body: bytes as BlobPart,
    });
  const bomb = await gzip(new Uint8Array(50 * 1024 * 1024)); // 50 MB of zeros, ~50 KB packed
  assert.ok(bomb.byteLength < 100_000);
  await assert.rejects(readUpload(gzBody(bomb), 1024 * 1024), (e: ValidationError) => e.status === 413);
  await assert.rejects(
    readUpload(gzBody(gz.subarray(0, gz.byteLength - 30)), 1e6),
    (e: ValidationError) => e.status === 422 && /damaged/.test(e.message),
  );
});

Deno.test("readUpload: other content types are 415, declared oversize bodies are 413 before reading", async () => {
  await assert.rejects(
    readUpload(
      new Request("http://x/", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      10,
    ),
    (e: ValidationError) => e.status === 415,
  );
  const req = new Request("http://x/", {
    method: "POST",
    headers: { "content-type": "text/csv", "content-length": String(50 * 1024 * 1024) },
    body: "date,cost\n",
  });
  await assert.rejects(readUpload(req, 1024 * 1024), (e: ValidationError) => e.status === 413);
});

Deno.test("big buffers are read, gzipped and inflated in slices: a timer set before runs before they finish", async () => {
  // All chunks of these streams are ready at once; without yielding, the whole file went through
  // as one chain of microtasks and no timer, request or worker reply was served until the end.
  const big = new Uint8Array(24 << 20).map((_, i) => (i * 7) & 0x7f);
  const order: string[] = [];
  const race = async (name: string, work: Promise<unknown>) => {
    setTimeout(() => order.push(`timer before ${name}`), 0);
    await work;
    order.push(`${name} done`);
  };
  const packed = await gzip(big);
  await race("gzip", gzip(big));
  const inflated = readUpload(
    new Request("http://x/", {
      method: "POST",
      headers: { "content-type": "text/csv", "content-encoding": "gzip" },
      body: packed as BlobPart,
    }),
    big.byteLength,
  );
  await race("gunzip", inflated);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < big.byteLength; i += 64 << 10) c.enqueue(big.subarray(i, i + (64 << 10)));
      c.close();
    },
  });
  // Reading ready chunks is quick (a few ms for 24 MB): a 1 ms slice makes it yield here.
  await race("read", readLimited(body, big.byteLength, big.byteLength, pacer(1)));
  assert.deepEqual(order, [
    "timer before gzip",
    "gzip done",
    "timer before gunzip",
    "gunzip done",
    "timer before read",
    "read done",
  ]);
  assert.deepEqual((await inflated).bytes, big);
});

Deno.test("pacer: lets the event loop in only after a slice of work (a turn costs milliseconds)", async () => {
  const pace = pacer(30);
  let fired = false;
  setTimeout(() => fired = true, 0);
  await pace();
  assert.equal(fired, false, "under the slice: no turn");
  const until = performance.now() + 35;
  while (performance.now() < until) { /* 35 ms of work */ }
  await pace();
  assert.equal(fired, true, "past the slice: the timer ran");
  fired = false;
  setTimeout(() => fired = true, 0);
  await pace();
  assert.equal(fired, false, "the slice starts again after a turn");
});
