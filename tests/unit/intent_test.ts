import assert from "node:assert/strict";
import { classifyIntent } from "../../agents/intent.ts";

const cases: [string, string][] = [
  ["hi", "small_talk"],
  ["Hello!", "small_talk"],
  ["thanks", "small_talk"],
  ["what columns are there", "schema"],
  ["describe the data", "schema"],
  ["what can you do?", "schema"],
  ["what is a savings plan?", "knowledge"],
  ["explain amortized cost", "knowledge"],
  ["forecast next quarter", "insight"],
  ["why did EC2 spike on the 14th?", "insight"],
  ["any anomalies last month?", "insight"],
  ["chart that by region", "visualize"],
  ["show me a pie of services", "visualize"],
  ["top 5 services last month", "finops_query"],
  ["what is our total cost in March?", "finops_query"],
  ["which resources were deleted?", "finops_query"],
  ["total cost", "finops_query"],
];
for (const [q, intent] of cases) {
  Deno.test(`classifyIntent: "${q}" → ${intent}`, () => assert.equal(classifyIntent(q), intent));
}
