import assert from "node:assert/strict";
import { isoFromMillis, simpleType, wordsToNumber } from "../../analytics/arrow_json.ts";

Deno.test("wordsToNumber: positive and negative 128-bit decimals with scale", () => {
  assert.equal(wordsToNumber(new Uint32Array([4200, 0, 0, 0]), 2), 42);
  assert.equal(wordsToNumber(new Uint32Array([45, 0, 0, 0]), 0), 45);
  // -1.5 as a two's complement DECIMAL(18,1): -15
  assert.equal(wordsToNumber(new Uint32Array([0xfffffff1, 0xffffffff, 0xffffffff, 0xffffffff]), 1), -1.5);
  // 2^32 + 1 with 2 decimals = 42949672.97
  assert.equal(wordsToNumber(new Uint32Array([1, 1, 0, 0]), 2), 42949672.97);
});

Deno.test("isoFromMillis: dates and timestamps in UTC", () => {
  assert.equal(isoFromMillis(Date.UTC(2024, 0, 1)), "2024-01-01");
  assert.equal(isoFromMillis(Date.UTC(2024, 0, 1, 10, 5, 3)), "2024-01-01 10:05:03");
  assert.equal(isoFromMillis(Date.UTC(2024, 0, 1, 10), true), "2024-01-01");
});

Deno.test("simpleType", () => {
  assert.equal(simpleType("Decimal[18e+2]"), "number");
  assert.equal(simpleType("Float64"), "number");
  assert.equal(simpleType("Utf8"), "string");
  assert.equal(simpleType("Date32<DAY>"), "date");
  assert.equal(simpleType("Timestamp<MICROSECOND>"), "timestamp");
});
