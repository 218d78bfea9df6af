import assert from "node:assert/strict";
import { formatDelta, formatMoney, formatNumber, formatPct } from "../../agents/format.ts";
import { periodLabel } from "../../agents/answer.ts";

Deno.test("formatMoney: symbols, codes, unknown currency, tiny and negative amounts", () => {
  assert.equal(formatMoney(1234.5, "USD"), "$1,234.50");
  assert.equal(formatMoney(1234.5, "EUR"), "€1,234.50");
  assert.equal(formatMoney(1234.5, "CAD"), "1,234.50 CAD");
  assert.equal(formatMoney(1234.5, null), "1,234.50");
  assert.equal(formatMoney(0.0000008, "USD"), "$0.000000800");
  assert.equal(formatMoney(-500, "USD"), "-$500.00");
  assert.equal(formatMoney(0, "USD"), "$0.00");
  assert.equal(formatMoney(null, "USD"), "n/a");
  assert.equal(formatMoney(0.005, "USD"), "$0.00500");
});

Deno.test("formatNumber, formatPct, formatDelta", () => {
  assert.equal(formatNumber(1234567.891), "1,234,567.89");
  assert.equal(formatPct(12.345), "12.3%");
  assert.equal(formatDelta(12, "USD"), "+$12.00");
  assert.equal(formatDelta(-3.5, "USD"), "-$3.50");
});

Deno.test("periodLabel by grain", () => {
  assert.equal(periodLabel("2025-03-01", "month"), "Mar 2025");
  assert.equal(periodLabel("2025-04-01", "quarter"), "2025 Q2");
  assert.equal(periodLabel("2025-01-01", "year"), "2025");
  assert.equal(periodLabel("2025-03-14", "day"), "2025-03-14");
});
