/**
 * How result columns read (kinds, labels, cells) and how SQL is laid out for reading: the
 * shared modules of the chat page (static/format.js, static/sql_format.js) and agents/columns.ts.
 */
import assert from "node:assert/strict";
import { columnKind, formatCell, formatMoney, unitColumn } from "../../static/format.js";
import { formatSql, splitStatements } from "../../static/sql_format.js";
import { describeColumns, labelOf } from "../../agents/columns.ts";
import { METRICS } from "../../analytics/metric_layer.ts";
import type { QueryPlan } from "../../agents/types.ts";

Deno.test("formatCell: money in the currency to the cent, tiny amounts never zero, percent, counts, null", () => {
  assert.equal(formatCell(19176.027382307897, "money", "USD"), "$19,176.03");
  assert.equal(formatCell(0.000945, "money", "USD"), "$0.000945");
  assert.equal(formatCell(-17.33, "money", "USD"), "-$17.33");
  assert.equal(formatCell(0, "money", "USD"), "$0.00");
  assert.equal(formatCell(1234.5, "money", "EUR"), "€1,234.50");
  assert.equal(formatCell(1234.5, "money", "CAD"), "1,234.50 CAD");
  assert.equal(formatCell(1234.5, "money", null), "1,234.50");
  assert.equal(formatCell(55, "percent", null), "55%");
  assert.equal(formatCell(132.64, "percent", null), "132.6%");
  assert.equal(formatCell(2030, "count", null), "2,030");
  assert.equal(formatCell(12.9, "score", null), "12.9");
  assert.equal(formatCell(0.0001234, "quantity", null), "0.000123");
  assert.equal(formatCell(1234.56789, "quantity", null), "1,234.5679");
  assert.equal(formatCell(null, "money", "USD"), "–");
  assert.equal(formatCell("Amazon EC2", "text", "USD"), "Amazon EC2");
  // The answer text and the table write money the same way.
  assert.equal(formatMoney(0.0000008, "USD"), "$0.000000800");
  assert.equal(formatMoney(null, "USD"), "n/a");
});

Deno.test("columnKind: the agent's own columns, period columns, and the metric layer's kinds", () => {
  const number = (name: string) => ({ name, type: "number" });
  assert.equal(columnKind(number("pct_of_change"), true), "percent");
  assert.equal(columnKind(number("share_pct"), true), "percent");
  assert.equal(columnKind(number("May 2025"), true), "money");
  assert.equal(columnKind(number("2025 Q2"), true), "money");
  assert.equal(columnKind(number("May 2025"), false), "quantity", "a quantity answer's periods are not money");
  for (const name of ["effective_cost", "lo80", "hi95", "forecast", "actual", "expected", "impact", "change"]) {
    assert.equal(columnKind(number(name), true), "money", name);
  }
  assert.equal(columnKind(number("line_items"), true), "count");
  assert.equal(columnKind(number("days"), true), "count");
  assert.equal(columnKind(number("zscore"), true), "score");
  assert.equal(columnKind(number("usage_quantity"), false), "quantity");
  assert.equal(columnKind({ name: "ServiceName", type: "string" }, true), "text");
  assert.equal(columnKind({ name: "day", type: "date" }, true), "date");
  assert.equal(columnKind({ name: "cost", type: "DOUBLE" }, true), "money", "an engine's type name");
  const expected = { money: "money", money_per_unit: "money", pct: "percent", count: "count", quantity: "quantity" };
  for (const [id, def] of Object.entries(METRICS)) {
    assert.equal(columnKind(number(id), true), expected[def.kind], `metric ${id} (${def.kind})`);
  }
});

Deno.test("labels: data columns as the answers name them, the agent's names in words, periods as they are", () => {
  assert.equal(labelOf("ServiceName"), "Service");
  assert.equal(labelOf("SubAccountName"), "Account");
  assert.equal(labelOf("ChargePeriodStart"), "Charge period start");
  assert.equal(labelOf("effective_cost"), "Effective cost");
  assert.equal(labelOf("lo80"), "80% low");
  assert.equal(labelOf("pct_of_change"), "% of change");
  assert.equal(labelOf("May 2025"), "May 2025");
  assert.equal(labelOf("tag:team"), "Team tag");
  const plan = { measure: "quantity" } as QueryPlan;
  const described = describeColumns(
    { columns: [{ name: "ServiceName", type: "string" }, { name: "change", type: "number" }], rows: [] },
    plan,
  );
  assert.deepEqual(described, [
    { name: "ServiceName", type: "string", kind: "text", label: "Service" },
    { name: "change", type: "number", kind: "quantity", label: "Change" },
  ]);
});

/** The text of a SQL statement without whitespace outside quotes (what a layout may change). */
function solid(sql: string): string {
  return [...sql.matchAll(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\S/g)].map((m) => m[0]).join("");
}

Deno.test("formatSql: one clause a line, the SELECT list one item a line, AND under WHERE, subqueries indented", () => {
  const sql = `SELECT "ServiceName", SUM("EffectiveCost") AS "effective_cost" FROM "billing_x" WHERE ` +
    `"ChargePeriodStart" >= TIMESTAMP '2025-06-01' AND "ServiceName" IN (SELECT "ServiceName" FROM "t" ` +
    `WHERE "x" = 'a  ;  b' LIMIT 3) GROUP BY "ServiceName" ORDER BY "effective_cost" DESC NULLS LAST LIMIT 5`;
  assert.equal(
    formatSql(sql),
    [
      "SELECT",
      '  "ServiceName",',
      '  SUM("EffectiveCost") AS "effective_cost"',
      'FROM "billing_x"',
      `WHERE "ChargePeriodStart" >= TIMESTAMP '2025-06-01'`,
      '  AND "ServiceName" IN (',
      "    SELECT",
      '      "ServiceName"',
      '    FROM "t"',
      `    WHERE "x" = 'a  ;  b'`,
      "    LIMIT 3",
      "  )",
      'GROUP BY "ServiceName"',
      'ORDER BY "effective_cost" DESC NULLS LAST',
      "LIMIT 5",
    ].join("\n"),
  );
  // FILTER (WHERE …) and function arguments stay on their line; nothing but whitespace changes.
  const filtered =
    `SELECT COALESCE(SUM("c") FILTER (WHERE "d" >= DATE '2025-05-01' AND "e" = 'x'), 0) AS "May 2025" FROM t`;
  assert.equal(formatSql(filtered).split("\n")[1].trim(), filtered.slice(7, filtered.indexOf(" FROM")));
  assert.equal(solid(formatSql(sql)), solid(sql));
});

Deno.test("splitStatements: at top-level semicolons only, never inside quotes", () => {
  assert.deepEqual(splitStatements(`SELECT 1;\n\nSELECT ';' AS "a;b";`), ["SELECT 1", `SELECT ';' AS "a;b"`]);
  assert.deepEqual(splitStatements("SELECT 1"), ["SELECT 1"]);
});

Deno.test("quantities carry their unit when the row names one", () => {
  const columns = [{ name: "ServiceName" }, { name: "consumed_quantity" }, { name: "ConsumedUnit" }];
  assert.equal(unitColumn(columns), 2);
  assert.equal(unitColumn([{ name: "PricingUnit" }]), 0);
  assert.equal(unitColumn([{ name: "x" }]), -1);
  assert.equal(formatCell(1234.5, "quantity", "USD", "en-US", "GB-Hours"), "1,234.5 GB-Hours");
  assert.equal(formatCell(1234.5, "money", "USD", "en-US", "GB-Hours"), "$1,234.50", "money has no unit");
});
