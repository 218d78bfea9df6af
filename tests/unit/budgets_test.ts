/** Budget commands in chat, webhook address checks, ISO weeks and the findings/method split. */
import assert from "node:assert/strict";
import { asksBudgetStatus, parseBudgetCommand } from "../../agents/budgets.ts";
import { checkWebhookUrl, isoWeek, isPrivateHost } from "../../agents/alerts.ts";
import { splitMethod } from "../../static/format.js";

Deno.test("parseBudgetCommand: amounts with k/m and commas, an optional scope; other questions are not commands", () => {
  assert.deepEqual(parseBudgetCommand("set a $40k monthly budget for EC2"), { amount: 40_000, scope: "EC2" });
  assert.deepEqual(parseBudgetCommand("Set a monthly budget of $12,500 for prod-data"), {
    amount: 12_500,
    scope: "prod-data",
  });
  assert.deepEqual(parseBudgetCommand("create a 1.5m budget"), { amount: 1_500_000, scope: null });
  assert.deepEqual(parseBudgetCommand("set a $500 budget per month for the Amazon S3."), {
    amount: 500,
    scope: "Amazon S3",
  });
  assert.equal(parseBudgetCommand("what is a budget?"), null);
  assert.equal(parseBudgetCommand("EC2 cost against a $40k budget"), null);
  assert.equal(parseBudgetCommand("set a $0 budget"), null);
  assert.equal(asksBudgetStatus("are we on track?"), true);
  assert.equal(asksBudgetStatus("are we over budget this month"), true);
  assert.equal(asksBudgetStatus("top 5 services"), false);
});

Deno.test("isPrivateHost and checkWebhookUrl: loopback, private ranges and link-local refused unless allowed", () => {
  for (
    const h of [
      "localhost",
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "[::1]",
      "fd00::1",
    ]
  ) {
    assert.equal(isPrivateHost(h), true, h);
  }
  for (const h of ["hooks.slack.com", "8.8.8.8", "172.32.0.1"]) assert.equal(isPrivateHost(h), false, h);
  const config = { webhookHosts: ["hooks.slack.com", "169.254.169.254"], webhookAllowPrivate: false };
  assert.equal(checkWebhookUrl("https://hooks.slack.com/services/x", config), "https://hooks.slack.com/services/x");
  assert.throws(() => checkWebhookUrl("http://169.254.169.254/latest", config), /private/);
  assert.throws(() => checkWebhookUrl("https://example.com/x", config), /not one of them/);
  assert.equal(
    checkWebhookUrl("http://169.254.169.254/x", { ...config, webhookAllowPrivate: true }),
    "http://169.254.169.254/x",
  );
});

Deno.test("isoWeek: ISO 8601 weeks, across a year's end", () => {
  assert.equal(isoWeek(new Date("2026-11-30T07:15:00Z")), "2026-W49");
  assert.equal(isoWeek(new Date("2021-01-03T00:00:00Z")), "2020-W53");
  assert.equal(isoWeek(new Date("2024-12-30T00:00:00Z")), "2025-W01");
});

Deno.test("splitMethod: method paragraphs apart, an Assumes line kept with the findings", () => {
  const text =
    "**$5** in all.\n\n**Method:** a trend.\nRecurring: $1.\n**Assumes** nothing new.\n\n_How: summed._\n\nEnd.";
  assert.deepEqual(splitMethod(text), {
    findings: "**$5** in all.\n\n**Assumes** nothing new.\n\nEnd.",
    method: "**Method:** a trend.\nRecurring: $1.\n\n_How: summed._",
  });
});
