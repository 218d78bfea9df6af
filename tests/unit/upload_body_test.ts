import assert from "node:assert/strict";
import { findPart, gunzipLimited, indexOfBytes, readLimited, readUpload } from "../../routes/upload_body.ts";
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

Deno.test("findPart: a missing field is null; a body without boundary or delimiter is a 400", () => {
  const body = enc.encode('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n');
  assert.equal(findPart(body, "multipart/form-data; boundary=b", "file"), null);
  assert.equal(dec.decode(findPart(body, 'multipart/form-data; boundary="b"', "x")!.bytes), "1");
  assert.throws(() => findPart(body, "multipart/form-data", "file"), (e: ValidationError) => e.status === 400);
  assert.throws(
    () => findPart(enc.encode("garbage"), "multipart/form-data; boundary=b", "file"),
    (e: ValidationError) => e.status === 400,
  );
  const cut = enc.encode('--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\ndate,co');
  assert.throws(
    () => findPart(cut, "multipart/form-data; boundary=b", "file"),
    (e: ValidationError) => e.status === 400,
  );
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

  const bomb = await gzip(new Uint8Array(50 * 1024 * 1024)); // 50 MB of zeros, ~50 KB packed
  assert.ok(bomb.byteLength < 100_000);
  await assert.rejects(gunzipLimited(bomb, 1024 * 1024), (e: ValidationError) => e.status === 413);
  await assert.rejects(
    gunzipLimited(gz.subarray(0, gz.byteLength - 30), 1e6),
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
  await race("gunzip", gunzipLimited(packed, big.byteLength));
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
  assert.deepEqual(await gunzipLimited(packed, big.byteLength), big);
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
