/**
 * Forecasts, anomalies, drivers and statistics asked in chat over the bundled sample, checked
 * against figures computed independently from the CSV and against the events planted in it
 * (an EC2 spike in us-east-1, account prod-data, on 2025-05-14; an S3 drop in eu-west-1 on
 * 2025-03-20).
 */
import assert from "node:assert/strict";
import { sampleCorrelation } from "simple-statistics";
import { cents, readCsvObjects } from "../helpers/csv.ts";
import { askOk, engineTest, newSession, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });
const ROWS = readCsvObjects(new URL("../../data/sample_billing.csv", import.meta.url));
const EC2 = "Amazon Elastic Compute Cloud";
const S3 = "Amazon Simple Storage Service";
const num = (v: string) => (v === "" ? 0 : Number(v));
const sum = (p: (r: Record<string, string>) => boolean, col = "EffectiveCost") =>
  ROWS.filter(p).reduce((s, r) => s + num(r[col]), 0);
const onDay = (d: string) => (r: Record<string, string>) => r.ChargePeriodStart.startsWith(d);
const inMonth = (m: string) => (r: Record<string, string>) => r.ChargePeriodStart.startsWith(`2025-${m}`);

interface Reply {
  response: string;
  intent: string;
  subagent: string;
  sql: string | null;
  result: { columns: { name: string }[]; rows: unknown[][] } | null;
}
const session = () => newSession(app);
const ask = (id: string, query: string) => askOk<Reply>(app, id, query);
const col = (b: Reply, name: string) => b.result!.columns.findIndex((c) => c.name === name);

t("forecast next quarter: Q3 2025 with ordered intervals, backtest figures and the history it used", async () => {
  const id = await session();
  const b = await ask(id, "forecast next quarter");
  assert.equal(b.intent, "insight");
  assert.equal(b.subagent, "insight");
  assert.match(b.response, /Q3 2025 \(2025-07-01 to 2025-09-30\)/);
  assert.match(b.response, /MAPE\): \d+\.\d%/);
  assert.match(b.response, /80% interval covered \d+\.\d%/);
  assert.match(b.sql!, /SUM\("EffectiveCost"\)/);
  const rows = b.result!.rows;
  const f = col(b, "forecast");
  const future = rows.filter((r) => r[f] !== null);
  assert.equal(future.length, 92);
  assert.equal(future[0][0], "2025-07-01");
  assert.equal(future[91][0], "2025-09-30");
  for (const r of future) {
    const [lo95, lo80, fc, hi80, hi95] = [
      r[col(b, "lo95")],
      r[col(b, "lo80")],
      r[f],
      r[col(b, "hi80")],
      r[col(b, "hi95")],
    ]
      .map(Number);
    assert.ok(lo95 <= lo80 && lo80 <= hi80 && hi80 <= hi95 && fc >= 0, JSON.stringify(r));
  }
  // The history shown is the data's own daily cost.
  const a = col(b, "actual");
  for (const r of rows.filter((r) => r[a] !== null).slice(-5)) {
    assert.equal(cents(Number(r[a])), cents(sum(onDay(String(r[0])))));
  }
  // The stated total is the sum of the daily point forecasts.
  const total = future.reduce((s, r) => s + Number(r[f]), 0);
  const stated = Number(b.response.match(/2025-09-30\): \$([\d,]+\.\d\d)/)![1].replaceAll(",", ""));
  assert.ok(Math.abs(stated - total) < 0.01 * 92, `${stated} vs ${total}`);
  // Per month.
  assert.match(b.response, /Jul 2025: \$[\d,]+\.\d\d\n- Aug 2025: .*\n- Sep 2025/);
});

t("forecast: filtered by service, follow-up keeps the horizon, a past period is refused", async () => {
  const id = await session();
  const b = await ask(id, "forecast EC2 for next month");
  assert.match(b.response, new RegExp(`for ${EC2} for July 2025`));
  assert.match(b.sql!, /"ServiceName" IN \('Amazon Elastic Compute Cloud'\)/);
  const s3 = await ask(id, "what about S3?");
  assert.equal(s3.intent, "insight");
  assert.match(s3.response, new RegExp(`${S3} for July 2025`));
  const past = await ask(id, "forecast March 2024");
  assert.match(past.response, /not after the end of the data \(2025-06-30\)/);
  assert.equal(past.result, null);
  const far = await ask(id, "forecast the next 900 days");
  assert.match(far.response, /at most 366 days/);
});

t("why did EC2 spike on the 14th: finds 2025-05-14 and attributes it to us-east-1, prod-data", async () => {
  const id = await session();
  const b = await ask(id, "Why did EC2 spike on the 14th?");
  assert.equal(b.intent, "insight");
  assert.match(b.response, /I read 'the 14th' as 2025-05-14/);
  assert.match(b.response, /That is an anomaly/);
  const actual = sum((r) => onDay("2025-05-14")(r) && r.ServiceName === EC2);
  assert.equal(b.result!.rows[0][0], "total");
  assert.equal(cents(Number(b.result!.rows[0][1])), cents(actual));
  assert.match(b.response, /by region: US East \(N\. Virginia\) \+\$[\d,.]+ \((9\d|100)% of the excess\)/);
  assert.match(b.response, /by account: prod-data \+\$[\d,.]+ \((9\d|100)% of the excess\)/);
  const top = b.result!.rows[1];
  assert.match(String(top[0]), /Amazon Elastic Compute Cloud · US East \(N\. Virginia\) · prod-data/);
  // A follow-up on the same day for another service: not anomalous.
  const s3 = await ask(id, "what about S3?");
  assert.match(s3.response, /On 2025-05-14, .*Simple Storage Service/);
  assert.match(s3.response, /within the normal range/);
});

t("anomaly scan: the planted spike and drop are incidents with their series, ranked by impact", async () => {
  const id = await session();
  const b = await ask(id, "any anomalies?");
  const rows = b.result!.rows;
  const [kind, series, start, impact] = ["kind", "series", "start", "impact"].map((c) => col(b, c));
  const spike = rows.find((r) => r[start] === "2025-05-14" && String(r[series]).startsWith(`${EC2} · US East`));
  assert.ok(spike, JSON.stringify(rows));
  assert.equal(spike[kind], "spike");
  assert.match(String(spike[series]), /prod-data/);
  assert.ok(Number(spike[impact]) > 600);
  const drop = rows.find((r) => r[start] === "2025-03-20" && String(r[series]).startsWith(`${S3} · Europe (Ireland)`));
  assert.ok(drop && drop[kind] === "drop" && Number(drop[impact]) < 0, JSON.stringify(rows));
  const impacts = rows.map((r) => Math.abs(Number(r[impact])));
  assert.deepEqual(impacts, [...impacts].sort((x, y) => y - x));
  // Monthly recurring charges are not reported; the daily total's echo is part of the spike.
  assert.ok(!rows.some((r) => String(r[start]).endsWith("-01")), JSON.stringify(rows));
  assert.ok(!rows.some((r) => r[series] === "daily total" && r[start] === "2025-05-14"), "no echo incident");
  assert.match(b.response, /the daily total moved \+\$[\d,.]+ with it/);
  assert.ok(rows.length <= 5, `too many incidents: ${rows.length}`);
  const inJune = await ask(id, "anomalies in EC2 last month");
  assert.match(inJune.response, /No anomalies/);
});

t("why did costs go up in May: change and drivers match the CSV and add up", async () => {
  const id = await session();
  const b = await ask(id, "Why did costs go up in May?");
  const [apr, may] = [sum(inMonth("04")), sum(inMonth("05"))];
  assert.match(b.response, new RegExp(`from \\$${fmt(apr)} in April 2025.* to \\$${fmt(may)} in May 2025`));
  const rows = b.result!.rows;
  const change = rows.reduce((s, r) => s + Number(r[3]), 0);
  assert.ok(Math.abs(change - (may - apr)) < 0.05, `${change} vs ${may - apr}`);
  const ec2 = rows.find((r) => r[0] === EC2)!;
  assert.equal(
    cents(Number(ec2[3])),
    cents(
      sum((r) => inMonth("05")(r) && r.ServiceName === EC2) - sum((r) => inMonth("04")(r) && r.ServiceName === EC2),
    ),
  );
  assert.equal(rows[0][0], EC2, "the largest driver first");
  assert.match(b.response, /\*\*By region:\*\*/);
  assert.match(b.response, /\*\*By account:\*\*/);
  assert.match(b.response, /EC2-M6I-XL: \+\$[\d,.]+ = volume [+-]\$[\d,.]+ \+ rate [+-]?\$[\d,.]+/);
  // Follow-up keeps the two periods and narrows to S3; the pinned service is not split again.
  const s3 = await ask(id, "what about S3?");
  assert.match(s3.response, /for Amazon Simple Storage Service went from .* in April 2025/);
  assert.doesNotMatch(s3.response, /By service/);
});

t("what changed between March and April: gone items are named", async () => {
  const id = await session();
  const b = await ask(id, "what changed between March and April?");
  assert.match(b.response, /in March 2025 .* in April 2025/);
  assert.match(b.response, /gone since March 2025: AWS Support \(Business\)/);
});

t("moving average: the 7-day mean of the CSV's daily cost", async () => {
  const id = await session();
  const b = await ask(id, "7-day moving average of EC2 cost in May");
  const rows = b.result!.rows;
  assert.equal(rows.length, 31);
  const last7 = ["25", "26", "27", "28", "29", "30", "31"].map((d) =>
    sum((r) => onDay(`2025-05-${d}`)(r) && r.ServiceName === EC2)
  );
  assert.equal(cents(Number(rows[30][2])), cents(last7.reduce((a, b) => a + b, 0) / 7));
  // The first day's average reaches back into April.
  const first7 = ["04-25", "04-26", "04-27", "04-28", "04-29", "04-30", "05-01"].map((d) =>
    sum((r) => onDay(`2025-${d}`)(r) && r.ServiceName === EC2)
  );
  assert.equal(cents(Number(rows[0][2])), cents(first7.reduce((a, b) => a + b, 0) / 7));
});

t("correlation: numeric columns by Pearson match an independent computation; services by name", async () => {
  const id = await session();
  const b = await ask(id, "correlation between the numeric columns");
  assert.match(b.response, /Pearson/);
  const pairs = ROWS.filter((r) => r.BilledCost !== "" && r.EffectiveCost !== "");
  const r = sampleCorrelation(pairs.map((x) => Number(x.BilledCost)), pairs.map((x) => Number(x.EffectiveCost)));
  const row = b.result!.rows.find((x) => x[0] === "BilledCost")!;
  assert.ok(Math.abs(Number(row[col(b, "EffectiveCost")]) - r) < 0.001, `${row} vs ${r}`);
  const s = await ask(id, "spearman correlation between services");
  assert.match(s.response, /Spearman/);
  assert.equal(s.result!.columns.length, s.result!.rows.length + 1);
});

t("too little history: says so instead of forecasting", async () => {
  const id = await newSession(app, false);
  const lines = ["ChargePeriodStart,ServiceName,BilledCost"];
  for (let d = 1; d <= 10; d++) lines.push(`2025-01-${String(d).padStart(2, "0")},EC2,${10 + d}`);
  const up = await app.request(`/session/${id}/upload-csv`, uploadReq(lines.join("\n")));
  assert.equal(up.status, 200);
  const b = await ask(id, "forecast next month");
  assert.match(b.response, /can't forecast .* honestly: there are 10 days of history/);
  assert.equal(b.result, null);
});

function fmt(v: number): string {
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v)
    .replaceAll(".", "\\.");
}

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
