import assert from "node:assert/strict";
import { isUtf8, normaliseCsv, parseHeader } from "../../analytics/csv_input.ts";
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

Deno.test("isUtf8: ASCII, multi-byte after a long ASCII run, broken and truncated sequences, any alignment", () => {
  const ascii = "a,b\n".repeat(5000);
  assert.equal(isUtf8(enc(ascii)), true);
  assert.equal(isUtf8(enc(ascii + "Zürich,€5\n" + ascii)), true);
  const bad = enc(ascii + "x\n");
  bad[bad.length - 2] = 0xe9; // a lone Windows-1252 'é'
  assert.equal(isUtf8(bad), false);
  assert.equal(isUtf8(enc(ascii + "€").subarray(0, ascii.length + 2)), false, "cut inside a character");
  const shifted = enc("_" + ascii + "ü");
  assert.equal(isUtf8(shifted.subarray(1)), true, "unaligned view");
  // Crossing the 1 MiB decode step inside a multi-byte character.
  const big = enc("a".repeat((1 << 20) - 1) + "€" + "b".repeat(10));
  assert.equal(isUtf8(big), true);
});

Deno.test("normaliseCsv: a NUL far past the first 8 KiB is still refused, and so is Windows-1252 with NUL", () => {
  const b = enc("date,cost\n" + "2024-01-01,1\n".repeat(2000) + "x\0y\n");
  assert.throws(() => normaliseCsv(b), (e: ValidationError) => e.status === 415 && /NUL/.test(e.message));
  const w = new Uint8Array([...enc("date,cost\n2024-01-01,1\n"), 0xe9, 0, 0x0a]);
  assert.throws(() => normaliseCsv(w), (e: ValidationError) => e.status === 415);
});
