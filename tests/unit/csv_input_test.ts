import assert from "node:assert/strict";
import { isUtf8, normaliseCsv, parseHeader } from "../../analytics/csv_input.ts";
import { ValidationError } from "../../errors.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function rejects(bytes: Uint8Array, status: number, pattern: RegExp, limits?: { maxColumns: number }) {
  await assert.rejects(normaliseCsv(bytes, limits), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, status);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("normaliseCsv: plain UTF-8 passes through unchanged", async () => {
  const b = enc("date,cost\n2024-01-01,1\n");
  const r = await normaliseCsv(b);
  assert.equal(r.bytes, b);
  assert.deepEqual(r.info.header, ["date", "cost"]);
});

Deno.test("normaliseCsv: UTF-8 BOM is stripped", async () => {
  const r = await normaliseCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...enc("date,cost\n2024-01-01,1\n")]));
  assert.equal(new TextDecoder().decode(r.bytes), "date,cost\n2024-01-01,1\n");
});

Deno.test("normaliseCsv: UTF-16 LE with BOM is decoded", async () => {
  const text = "date,cost\n2024-01-01,1\n";
  const u16 = new Uint8Array(2 + text.length * 2);
  u16[0] = 0xff;
  u16[1] = 0xfe;
  for (let i = 0; i < text.length; i++) u16[2 + i * 2] = text.charCodeAt(i);
  const r = await normaliseCsv(u16);
  assert.equal(r.info.encoding, "utf-16le");
  assert.equal(new TextDecoder().decode(r.bytes), text);
});

Deno.test("normaliseCsv: Windows-1252 is decoded to UTF-8", async () => {
  const r = await normaliseCsv(new Uint8Array([...enc("name,cost,date\nCaf"), 0xe9, ...enc(",1,2024-01-01\n")]));
  assert.equal(r.info.encoding, "windows-1252");
  assert.match(new TextDecoder().decode(r.bytes), /Café/);
});

Deno.test("normaliseCsv: empty, whitespace, header-only, binary and too wide files are refused", async () => {
  await rejects(new Uint8Array(0), 422, /empty/);
  await rejects(enc("  \n \n"), 422, /empty/);
  await rejects(enc("date,cost\n"), 422, /no data rows/);
  await rejects(enc("date,cost\n\n\n"), 422, /no data rows/);
  await rejects(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 415, /binary/);
  await rejects(
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

Deno.test("normaliseCsv: a NUL far past the first 8 KiB is still refused, and so is Windows-1252 with NUL", async () => {
  const b = enc("date,cost\n" + "2024-01-01,1\n".repeat(2000) + "x\0y\n");
  await assert.rejects(normaliseCsv(b), (e: ValidationError) => e.status === 415 && /NUL/.test(e.message));
  const w = new Uint8Array([...enc("date,cost\n2024-01-01,1\n"), 0xe9, 0, 0x0a]);
  await assert.rejects(normaliseCsv(w), (e: ValidationError) => e.status === 415);
});

Deno.test("normaliseCsv: big files are scanned in slices with the caller's pace between them", async () => {
  // A multi-byte character across the 4 MiB slice border, and a NUL in the third slice.
  const text = "date,cost\n" + "a".repeat((4 << 20) - 11) + "€" + "b".repeat(5 << 20) + "\n";
  let paces = 0;
  const pace = () => {
    paces++;
    return Promise.resolve();
  };
  const r = await normaliseCsv(enc(text), undefined, pace);
  assert.equal(r.info.encoding, "utf-8");
  assert.equal(paces, 3);
  const withNul = enc(text + "x".repeat(1 << 20) + "\0\n");
  await assert.rejects(normaliseCsv(withNul, undefined, pace), (e: ValidationError) => /NUL/.test(e.message));
  // Crossing the slice border inside a character, unaligned, is still UTF-8; a broken one is not.
  const shifted = enc("_" + "a".repeat((4 << 20) - 2) + "€" + "z");
  assert.equal(isUtf8(shifted.subarray(1)), true);
  const broken = shifted.slice(1);
  broken[(4 << 20) - 1] = 0x41; // the € loses its second byte
  assert.equal(isUtf8(broken), false);
});
