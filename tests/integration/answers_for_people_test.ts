/**
 * What the chat page and the export need to show an answer as people read it: columns with
 * kinds and labels, the data each answer used, a chart for rankings, SQL that still runs once
 * laid out, a memory reset when the data changes, the sample on demand, and exports formatted.
 */
import assert from "node:assert/strict";
import { askOk, engineTest, jsonReq, newSession, testApp, uploadReq } from "../helpers/app.ts";
import { formatSql, splitStatements } from "../../static/sql_format.js";

const running = await testApp();
const { app, deps } = running;

/** A three-service bill over two months (gold totals by hand: EC2 June 300, S3 June 30). */
function smallBill(): string {
  const lines = ["ChargePeriodStart,ServiceName,RegionName,BilledCost,EffectiveCost,BillingCurrency"];
  for (const month of ["2025-05", "2025-06"]) {
    for (const day of ["01", "11", "21"]) {
      const june = month === "2025-06";
      lines.push(`${month}-${day},Amazon EC2,us-east-1,${june ? 100 : 90},${june ? 100 : 90},USD`);
      lines.push(`${month}-${day},Amazon S3,eu-west-1,${june ? 10 : 12},${june ? 10 : 12},USD`);
      lines.push(`${month}-${day},AWS Lambda,us-east-1,0.000315,0.000315,USD`);
    }
  }
  return lines.join("\n") + "\n";
}

type Column = { name: string; type: string; kind: string; label: string };

Deno.test({
  name: "answers: result columns say how they read; each answer names its data; a ranking gets horizontal bars",
  ...engineTest,
  async fn() {
    const id = await newSession(app, false);
    assert.equal((await app.request(`/session/${id}/upload-csv`, uploadReq(smallBill(), "small.csv"))).status, 200);
    const top = await askOk<{
      result: { columns: Column[]; rows: unknown[][] };
      dataset: { name: string; rows: number };
      chart_spec: { usermeta: { type: string } } | null;
      subagent: string;
    }>(app, id, "top 3 services in June 2025");
    assert.deepEqual(top.result.columns.map((c) => [c.kind, c.label]), [["text", "Service"], [
      "money",
      "Effective cost",
    ]]);
    assert.deepEqual(top.result.rows.slice(0, 2), [["Amazon EC2", 300], ["Amazon S3", 30]]);
    assert.ok(Math.abs(Number(top.result.rows[2][1]) - 0.000945) < 1e-12);
    assert.equal(top.dataset.name, "small.csv");
    assert.equal(top.dataset.rows, 18);
    assert.equal(top.chart_spec?.usermeta.type, "hbar", "the question people ask most gets a chart");
    assert.equal(top.subagent, "data_fetcher", "a chart nobody asked for does not make it a chart answer");
    const change = await askOk<{ result: { columns: Column[] } }>(app, id, "why did cost change in June 2025?");
    const kinds = Object.fromEntries(change.result.columns.map((c) => [c.name, c.kind]));
    assert.equal(kinds.pct_of_change, "percent");
    assert.equal(kinds.change, "money");
    assert.equal(kinds["May 2025"], "money");
    const history = await (await app.request(`/session/${id}/history`)).json();
    assert.equal(history.history[1].metadata.dataset.name, "small.csv", "the history keeps which data answered");
  },
});

Deno.test({
  name: "SQL laid out for reading runs to the same rows as the SQL that ran",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const session = (await deps.sessions.get(id)).value;
    for (const q of ["top 5 services last month", "any cost anomalies?", "why did cost change last month?"]) {
      const answer = await askOk<{ sql: string }>(app, id, q);
      const statements = splitStatements(answer.sql);
      assert.ok(statements.length >= 1, q);
      for (const statement of statements) {
        const laidOut = formatSql(statement);
        assert.ok(laidOut.split("\n").length > 3, `${q}: several lines`);
        const before = await deps.engine.query(session.datasetId!, statement);
        const after = await deps.engine.query(session.datasetId!, laidOut);
        assert.deepEqual(after, before, q);
      }
    }
  },
});

Deno.test({
  name:
    "data change: an upload resets the conversation's memory; use-sample swaps the data back and deletes the upload",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    await askOk(app, id, "cost of Amazon Elastic Compute Cloud last month");
    const before = await (await app.request(`/session/${id}/memory`)).json();
    assert.equal(before.remembered.filters[0].values[0], "Amazon Elastic Compute Cloud");
    assert.equal((await app.request(`/session/${id}/upload-csv`, uploadReq(smallBill(), "small.csv"))).status, 200);
    const after = await (await app.request(`/session/${id}/memory`)).json();
    assert.equal(after.remembered, null, "filters on the old data are not carried to the new");
    assert.equal(after.total_messages, 2, "the conversation itself stays");
    const uploaded = (await deps.sessions.get(id)).value.datasetId!;

    const r = await app.request(`/session/${id}/use-sample`, jsonReq("POST", {}));
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.match(body.message, /sample_billing\.csv/);
    assert.equal((await deps.sessions.get(id)).value.datasetId, deps.sampleDatasetId);
    assert.equal((await deps.kv.get(["dataset", uploaded])).value, null, "the replaced upload is deleted");
    const dataset = await (await app.request(`/session/${id}/dataset`)).json();
    assert.equal(dataset.shared, true);
    assert.equal((await app.request(`/session/nope/use-sample`, jsonReq("POST", {}))).status, 404);
  },
});

Deno.test({
  name: "export: Markdown tables formatted like the page, with the data each answer used; JSON keeps exact values",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    await askOk(app, id, "top 2 services last month");
    assert.equal((await app.request(`/session/${id}/upload-csv`, uploadReq(smallBill(), "small.csv"))).status, 200);
    await askOk(app, id, "top 3 services in June 2025");
    const md = await (await app.request(`/session/${id}/export?format=md`)).text();
    assert.match(md, /Data now: small\.csv/);
    assert.match(md, /_Computed on sample_billing\.csv \(7,?253 rows\)\._/);
    assert.match(md, /_Computed on small\.csv \(18 rows\)\._/);
    assert.match(md, /\| Service \| Effective cost \|/);
    assert.match(md, /\| Amazon Elastic Compute Cloud \| \$19,176\.03 \|/);
    assert.match(md, /\| AWS Lambda \| \$0\.000945 \|/, "a tiny amount is never $0.00");
    const json = await (await app.request(`/session/${id}/export?format=json`)).json();
    const exact = json.history[1].metadata.result.rows[0][1];
    assert.ok(Math.abs(exact - 19176.027382307897) < 1e-6 && exact !== 19176.03, "JSON keeps the exact value");
  },
});

Deno.test({
  name: "anomalies: with none found, the chart says so and names the peaks it shows as expected",
  ...engineTest,
  async fn() {
    // 120 days: $100 a day on weekdays, $60 at weekends, and a $900 support charge on each 1st.
    const lines = ["ChargePeriodStart,ServiceName,BilledCost,BillingCurrency"];
    for (let d = 0; d < 120; d++) {
      const day = new Date(Date.UTC(2025, 0, 1) + d * 86_400_000);
      const iso = day.toISOString().slice(0, 10);
      lines.push(`${iso},Amazon EC2,${[0, 6].includes(day.getUTCDay()) ? 60 : 100},USD`);
      if (day.getUTCDate() === 1) lines.push(`${iso},AWS Support,900,USD`);
    }
    const id = await newSession(app, false);
    const up = await app.request(`/session/${id}/upload-csv`, uploadReq(lines.join("\n") + "\n", "flat.csv"));
    assert.equal(up.status, 200);
    const answer = await askOk<{ response: string; chart_spec: { title: { text: string; subtitle: string } } }>(
      app,
      id,
      "any anomalies?",
    );
    assert.match(answer.response, /^\*\*No anomalies/);
    assert.equal(answer.chart_spec.title.text, "Daily cost: no anomalies found");
    assert.match(answer.chart_spec.title.subtitle, /charges billed on the same day each month/);
  },
});

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
