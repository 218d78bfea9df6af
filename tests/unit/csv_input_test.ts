import assert from "node:assert/strict";
import { normaliseCsv, parseHeader } from "../../analytics/csv_input.ts";
import { ValidationError } from "../../errors.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function rejects(bytes: Uint8Array, status: number, pattern: RegExp, limits?: { maxColumns: number }) {
  assert.throws(() => normaliseCsv(bytes, limits), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, status);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("normaliseCsv: plain UTF-8 passes through unchanged", () => {
  const b = enc("date,cost\n2024-01-01,1\n");
  const r = normaliseCsv(b);
  assert.equal(r.bytes, b);
  assert.deepEqual(r.info.header, ["date", "cost"]);
});

Deno.test("normaliseCsv: UTF-8 BOM is stripped", () => {
  const r = normaliseCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...enc("date,cost\n2024-01-01,1\n")]));
  assert.equal(new TextDecoder().decode(r.bytes), "date,cost\n2024-01-01,1\n");
});

Deno.test("normaliseCsv: UTF-16 LE with BOM is decoded", () => {
  const text = "date,cost\n2024-01-01,1\n";
  const u16 = new Uint8Array(2 + text.length * 2);
  u16[0] = 0xff;
  u16[1] = 0xfe;
  for (let i = 0; i < text.length; i++) u16[2 + i * 2] = text.charCodeAt(i);
  const r = normaliseCsv(u16);
  assert.equal(r.info.encoding, "utf-16le");
  assert.equal(new TextDecoder().decode(r.bytes), text);
});

Deno.test("normaliseCsv: Windows-1252 is decoded to UTF-8", () => {
  const r = normaliseCsv(new Uint8Array([...enc("name,cost,date\nCaf"), 0xe9, ...enc(",1,2024-01-01\n")]));
  assert.equal(r.info.encoding, "windows-1252");
  assert.match(new TextDecoder().decode(r.bytes), /Café/);
});

Deno.test("normaliseCsv: empty, whitespace, header-only, binary and too wide files are refused", () => {
  rejects(new Uint8Array(0), 422, /empty/);
  rejects(enc("  \n \n"), 422, /empty/);
  rejects(enc("date,cost\n"), 422, /no data rows/);
  rejects(enc("date,cost\n\n\n"), 422, /no data rows/);
  rejects(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 415, /binary/);
  rejects(
    enc(Array.from({ length: 20 }, (_, i) => `c${i}`).join(",") + "\n" + "1,".repeat(19) + "1\n"),
    422,
    /20 columns/,
    {
      maxColumns: 10,
    },
  );
});

Deno.test("parseHeader honours quotes", () => {
  assert.deepEqual(parseHeader('"a,b","c""d",e'), ["a,b", 'c"d', "e"]);
});
