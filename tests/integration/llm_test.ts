/**
 * The LLM path against a scripted mock of Groq's API on 127.0.0.1: correct plans, repaired SQL,
 * rejected statements, invented numbers, rate limits, server errors, timeouts, budgets and
 * knowledge answers. Every case asserts what the user gets and what the model was sent.
 */
import assert from "node:assert/strict";
import { tableNames } from "../../analytics/engine.ts";
import { getLlmUsage } from "../../memory/llm_usage.ts";
import { askOk, engineTest, fixture, jsonReq, kvKeys, newSession, testApp, uploadReq } from "../helpers/app.ts";
import {
  httpError,
  lastToolResult,
  type RecordedRequest,
  startMockGroq,
  text,
  toolCalls,
} from "../helpers/mock_groq.ts";

const mock = startMockGroq();
const llmConfig = {
  groqApiKey: "test-key",
  groqBaseUrl: mock.url,
  groqTimeoutMs: 1000,
  groqMaxRetries: 2,
  llmMode: "always" as const,
};
const running = await testApp(llmConfig);
const { app } = running;
const plain = await testApp(); // no key: the built-in planner only

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;
const EC2 = "Amazon Elastic Compute Cloud";
const TOP3_PLAN = {
  measure: "cost",
  basis: "effective",
  groupBy: ["ServiceName"],
  filters: [],
  time: { range: null, grain: null },
  topN: 3,
  order: "desc",
};
const money = (v: number) => `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A narrative written from the rows the app sent: the first row's name and value. */
const narrate = (req: RecordedRequest) => {
  const r = lastToolResult(req, true);
  return text(`${r.rows[0][0]} cost the most: ${money(r.rows[0][1])} (effective cost, USD).`);
};

async function builtinAnswer(query: string): Promise<Body> {
  return await askOk<Body>(plain.app, await newSession(plain.app), query);
}

Deno.test({
  name: "llm: a correct plan is run by our compiler and the model's checked narrative is the answer",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
    const body = await askOk<Body>(app, id, "which three services cost the most?");
    assert.equal(mock.remaining(), 0);
    assert.equal(body.planner, "llm");
    assert.equal(body.llm.narrative, "model");
    assert.deepEqual(body.llm.tools, ["make_plan"]);
    assert.equal(body.llm.calls, 2);
    assert.equal(body.llm.total_tokens, 240);
    assert.equal(body.llm.prompt, "planner@2");
    const own = await builtinAnswer("top 3 services by cost");
    assert.deepEqual(body.result.rows, own.result.rows, "same rows as the built-in planner's plan");
    assert.match(body.response, new RegExp(`^${EC2} cost the most: \\$`));
    assert.match(body.response, /_Basis: effective cost/, "the model did not name the basis column; ours is added");
    assert.match(body.sql, /GROUP BY/);
    assert.deepEqual(body.plan.groupBy, ["ServiceName"]);

    // What the model was sent: our tools, the schema, the values, the question, the key.
    const first = mock.requests[0];
    assert.equal(first.path, "/openai/v1/chat/completions");
    assert.equal(first.authorization, "Bearer test-key");
    assert.equal(first.body.model, "llama-3.3-70b-versatile");
    assert.deepEqual(
      // deno-lint-ignore no-explicit-any
      first.body.tools.map((t: any) => t.function.name).sort(),
      ["detect_anomalies", "draw_chart", "explain_change", "forecast", "make_plan", "run_sql", "search_knowledge"],
    );
    const system = first.body.messages[0].content as string;
    assert.match(system, /ServiceName \(VARCHAR\)/);
    assert.match(system, /EffectiveCost \(DOUBLE\)/);
    assert.match(system, new RegExp(`"${EC2}"`));
    assert.match(system, /from 2025-01-01 to 2025-06-30/);
    assert.doesNotMatch(system, /\{\{/);
    assert.equal(first.body.messages.at(-1).content, "which three services cost the most?");
    const tool = lastToolResult(mock.requests[1]);
    assert.equal(tool.ok, true);
    assert.equal(tool.row_count, 3);
    assert.match(tool.answer_draft, /Top 3 by service/);

    // Recorded with the turn, and counted against the session's budget.
    const hist = await (await app.request(`/session/${id}/history`)).json();
    const meta = hist.history.at(-1).metadata;
    assert.equal(meta.planner, "llm");
    assert.equal(meta.llm.total_tokens, 240);
    assert.equal(await getLlmUsage(running.deps.kv, id), 240);
  },
});

Deno.test({
  name: "llm: the conversation so far and the remembered plan reach the model on a follow-up",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
    await askOk<Body>(app, id, "which three services cost the most?");
    const filtered = {
      ...TOP3_PLAN,
      groupBy: ["RegionName"],
      filters: [{ column: "ServiceName", op: "in", values: [EC2] }],
    };
    mock.script(toolCalls(["make_plan", filtered]), narrate);
    const body = await askOk<Body>(app, id, "and for the first one, by region?");
    const msgs = mock.requests[0].body.messages;
    assert.equal(msgs[1].content, "which three services cost the most?");
    assert.match(msgs[2].content, /cost the most/);
    assert.match(msgs[0].content, /previous answer's plan was \{"measure":"cost"/);
    assert.deepEqual(body.plan.filters, filtered.filters);
    const mem = await (await app.request(`/session/${id}/memory`)).json();
    assert.ok(JSON.stringify(mem).includes("RegionName"), "entity memory holds the LLM's plan");
  },
});

Deno.test({
  name: "llm: filter values are matched to the data; an unknown one gets a repair round with real values",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const plan = (v: string) => ({
      ...TOP3_PLAN,
      groupBy: ["RegionName"],
      filters: [{ column: "ServiceName", op: "in", values: [v] }],
    });
    mock.script(toolCalls(["make_plan", plan("EC2")]), toolCalls(["make_plan", plan(EC2.toLowerCase())]), narrate);
    const body = await askOk<Body>(app, id, "ec2 by region");
    assert.equal(body.planner, "llm");
    const repair = lastToolResult(mock.requests[1]);
    assert.equal(repair.ok, false);
    assert.match(repair.error, /ServiceName has no value "EC2"/);
    assert.match(repair.error, /Amazon Elastic Compute Cloud/, "the error offers the real value");
    assert.deepEqual(body.plan.filters[0].values, [EC2], "case corrected to the data's spelling");
  },
});

Deno.test({
  name: "llm: bad SQL gets one repair round with DuckDB's error, and the repaired SELECT answers",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const good = "SELECT ServiceName, SUM(EffectiveCost) AS cost FROM billing GROUP BY 1 ORDER BY 2 DESC LIMIT 3";
    mock.script(
      toolCalls(["run_sql", { sql: "SELECT ServiceName, SUM(EffectivCost) AS cost FROM billing GROUP BY 1" }]),
      toolCalls(["run_sql", { sql: good, purpose: "top services" }]),
      narrate,
    );
    const body = await askOk<Body>(app, id, "top 3 services, via SQL please");
    assert.equal(body.planner, "llm");
    assert.deepEqual(body.llm.tools, ["run_sql", "run_sql"]);
    const err = lastToolResult(mock.requests[1]);
    assert.equal(err.ok, false);
    assert.match(err.error, /EffectivCost/, "the model sees the binder error");
    assert.match(err.error, /try once more/);
    const own = await builtinAnswer("top 3 services by cost");
    assert.deepEqual(body.result.rows.map((r: unknown[]) => r[0]), own.result.rows.map((r: unknown[]) => r[0]));
    assert.match(body.sql, /^WITH billing AS \(SELECT \* FROM "billing_/);
    assert.ok(body.sql.includes(good));
  },
});

Deno.test({
  name: "llm: a second failure ends the attempt and the built-in planner answers, saying why",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(
      toolCalls(["run_sql", { sql: "SELECT nope FROM billing" }]),
      toolCalls(["make_plan", { ...TOP3_PLAN, groupBy: ["NoSuchColumn"] }]),
    );
    const body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(mock.remaining(), 0);
    assert.equal(body.planner, "builtin");
    assert.match(body.llm.fallback, /failed 2 times/);
    const own = await builtinAnswer("top 3 services by cost");
    assert.deepEqual(body.result.rows, own.result.rows);
  },
});

Deno.test({
  name: "llm: statements that are not one SELECT of this session's data are rejected without a repair round",
  ...engineTest,
  async fn() {
    // Another session's data, whose table the model must not reach.
    const other = await newSession(app, false);
    const up = await app.request(
      `/session/${other}/upload-csv`,
      uploadReq(await Deno.readFile(fixture("aws-cur2.csv")), "cur2.csv"),
    );
    assert.equal(up.status, 200, await up.text());
    const otherDataset = (await running.deps.sessions.get(other)).value.datasetId!;
    const foreign = tableNames(otherDataset).view;
    const id = await newSession(app);
    const before = await askOk<Body>(plain.app, await newSession(plain.app), "total cost");
    const dataKeys = async () => (await kvKeys(running.deps.kv)).filter((k) => /^\["(dataset|sample|session")/.test(k));
    const keysBefore = await dataKeys();
    const attacks = [
      "DELETE FROM billing",
      "DROP TABLE billing",
      "SELECT 1; DROP TABLE billing",
      "UPDATE billing SET EffectiveCost = 0",
      "CREATE TABLE x AS SELECT * FROM billing",
      "COPY (SELECT * FROM billing) TO '/tmp/finops-leak.csv'",
      "ATTACH '/tmp/x.db' AS x",
      "SET enable_external_access = true",
      "PRAGMA database_list",
      "INSTALL httpfs",
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM '/etc/passwd'",
      `SELECT * FROM "${foreign}"`,
      "SELECT * FROM duckdb_tables()",
      "SELECT * FROM information_schema.tables",
    ];
    for (const sql of attacks) {
      mock.script(toolCalls(["run_sql", { sql }]), text("should never be asked"));
      const body = await askOk<Body>(app, id, "total cost");
      assert.equal(body.planner, "builtin", sql);
      assert.match(body.llm.fallback, /rejected SQL|failed/, `${sql} → ${body.llm.fallback}`);
      assert.equal(mock.remaining(), 1, `no repair round after: ${sql}`);
      assert.deepEqual(body.result.rows, before.result.rows, "the data is intact");
    }
    assert.deepEqual(await dataKeys(), keysBefore, "no dataset or session record changed");
    await assert.rejects(Deno.stat("/tmp/finops-leak.csv"));
  },
});

Deno.test({
  name: "llm: 'deleted' and 'drop' in questions and in SQL strings are not blocked",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const sql = "SELECT COUNT(DISTINCT ResourceId) AS deleted_resources FROM billing " +
      "WHERE ChargeDescription ILIKE '%delete%' OR ChargeDescription ILIKE '%drop table%'";
    mock.script(toolCalls(["run_sql", { sql, purpose: "resources deleted" }]), (req) => {
      const r = lastToolResult(req);
      return text(`${r.rows[0][0]} resources have charges that mention deletion.`);
    });
    const body = await askOk<Body>(app, id, "which resources were deleted? did we drop anything?");
    assert.equal(body.planner, "llm", body.llm?.fallback);
    assert.equal(body.result.columns[0].name, "deleted_resources");
  },
});

Deno.test({
  name: "llm: a reply with an invented number falls back to our template text, keeping the model's query",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(
      toolCalls(["make_plan", TOP3_PLAN]),
      text(`${EC2} cost $999,999.99, up 37% on last year.`),
    );
    const body = await askOk<Body>(app, id, "which three services cost the most?");
    assert.equal(body.planner, "llm");
    assert.equal(body.llm.narrative, "template");
    assert.deepEqual(body.llm.rejected_numbers, ["$999,999.99", "37%"]);
    assert.doesNotMatch(body.response, /999,999/);
    assert.match(body.response, /Top 3 by service/);
    const own = await builtinAnswer("top 3 services by cost");
    assert.equal(body.response, own.response, "the same words as the built-in answer of the same plan");
  },
});

Deno.test({
  name: "llm: numbers derived from the result (rounding, shares, totals, differences) are accepted",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["make_plan", TOP3_PLAN]), (req) => {
      const rows = lastToolResult(req).rows as [string, number][];
      const total = rows.reduce((s, r) => s + r[1], 0);
      const k = (v: number) => `$${(v / 1000).toFixed(1)}k`;
      return text(
        `The top three total ${money(total)}; ${rows[0][0]} alone is ${k(rows[0][1])}, ` +
          `${(rows[0][1] / total * 100).toFixed(1)}% of them and ${
            money(rows[0][1] - rows[1][1])
          } more than the second.`,
      );
    });
    const body = await askOk<Body>(app, id, "summarise the top three services");
    assert.equal(body.llm.narrative, "model", JSON.stringify(body.llm.rejected_numbers));
  },
});

Deno.test({
  name: "llm: an answer with numbers but no tool call is not trusted",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(text("Your EC2 bill was $12,345.67 last month."));
    const body = await askOk<Body>(app, id, "what was ec2 last month?");
    assert.equal(body.planner, "builtin");
    assert.match(body.llm.fallback, /without running a query/);
    assert.ok(body.sql, "the built-in planner ran its query");
  },
});

Deno.test({
  name: "llm: an honest 'cannot answer' without numbers stands",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(text("This data has no headcount column, so I cannot compute cost per employee."));
    const body = await askOk<Body>(app, id, "what is our cost per employee?");
    assert.equal(body.planner, "llm");
    assert.equal(body.sql, null);
    assert.match(body.response, /cannot compute/);
  },
});

Deno.test({
  name: "llm: invalid tool arguments and unknown tools count as failures",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["make_plan", "{not json"]), toolCalls(["shell_exec", { cmd: "ls" }]));
    const body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(body.planner, "builtin");
    const first = lastToolResult(mock.requests[1]);
    assert.match(first.error, /not valid JSON/);
    assert.match(body.llm.fallback, /failed 2 times/);
  },
});

Deno.test({
  name: "llm: 429 with Retry-After is waited out and retried once, then the answer arrives",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(httpError(429, { "retry-after": "1" }), toolCalls(["make_plan", TOP3_PLAN]), narrate);
    const body = await askOk<Body>(app, id, "which three services cost the most?");
    assert.equal(body.planner, "llm");
    assert.equal(mock.requests.length, 3);
    assert.equal(body.llm.attempts, 3);
    assert.equal(body.llm.calls, 2);
    assert.ok(mock.requests[1].at - mock.requests[0].at >= 900, "Retry-After: 1 was honoured");
  },
});

Deno.test({
  name: "llm: 500s until the retries run out → the built-in planner answers",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(httpError(500), httpError(502), httpError(503));
    const body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(mock.requests.length, 3, "first attempt + 2 retries");
    assert.equal(body.planner, "builtin");
    assert.match(body.llm.fallback, /http_503: retries exhausted/);
    const own = await builtinAnswer("top 3 services by cost");
    assert.equal(body.response, own.response);
  },
});

Deno.test({
  name: "llm: a Retry-After longer than we wait fails at once; a 401 is not retried",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(httpError(429, { "retry-after": "3600" }), text("never"));
    let body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(mock.requests.length, 1);
    assert.match(body.llm.fallback, /rate_limited: asked to wait 3600 s/);
    mock.script(httpError(401), text("never"));
    body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(mock.requests.length, 1);
    assert.match(body.llm.fallback, /http_401/);
    assert.equal(body.planner, "builtin");
  },
});

Deno.test({
  name: "llm: a model slower than GROQ_TIMEOUT_MS → the built-in planner answers",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script({ ...toolCalls(["make_plan", TOP3_PLAN]), delayMs: 1500 }, text("late"));
    const body = await askOk<Body>(app, id, "top 3 services by cost");
    assert.equal(body.planner, "builtin");
    assert.match(body.llm.fallback, /^timeout/);
    assert.equal(mock.requests.length, 1, "a timeout is not retried");
    await new Promise((r) => setTimeout(r, 600)); // let the mock finish its late answer
  },
});

Deno.test({
  name: "llm: forecast, anomalies and drivers tools run our analyses; draw_chart draws the result",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const copyDraft = (req: RecordedRequest) => text(lastToolResult(req).answer_draft);
    mock.script(
      toolCalls(["forecast", {
        filters: [{ column: "ServiceName", op: "in", values: [EC2] }],
        horizon: { start: "2025-07-01", end: "2025-10-01", label: "next quarter" },
      }]),
      copyDraft,
    );
    let body = await askOk<Body>(app, id, "what will ec2 cost next quarter?");
    assert.equal(body.planner, "llm");
    assert.equal(body.intent, "insight");
    assert.equal(body.plan.analysis, "forecast");
    assert.equal(body.plan.horizon.start, "2025-07-01");
    assert.match(body.response, /95 %|95%/);
    assert.ok(body.chart_url, "the forecast chart is drawn");

    mock.script(
      toolCalls(["explain_change", {
        a: { start: "2025-04-01", end: "2025-05-01", label: "April" },
        b: { start: "2025-05-01", end: "2025-06-01", label: "May" },
      }]),
      copyDraft,
    );
    body = await askOk<Body>(app, id, "what changed between april and may?");
    assert.equal(body.plan.analysis, "drivers");
    assert.equal(body.llm.narrative, "model");

    mock.script(toolCalls(["detect_anomalies", {}]), copyDraft);
    body = await askOk<Body>(app, id, "anything odd in the daily costs?");
    assert.equal(body.plan.analysis, "anomalies");

    mock.script(
      toolCalls(["make_plan", TOP3_PLAN], ["draw_chart", { type: "donut" }]),
      narrate,
    );
    body = await askOk<Body>(app, id, "show the top three services");
    assert.equal(body.subagent, "visualizer");
    assert.equal(body.chart_spec.usermeta.type, "donut");
    const png = await app.request(body.chart_url);
    assert.equal(png.status, 200);
    await png.arrayBuffer();
  },
});

Deno.test({
  name: "llm: draw_chart before any result is a failure the model can repair",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["draw_chart", {}]), toolCalls(["make_plan", { ...TOP3_PLAN, share: true }]), narrate);
    const body = await askOk<Body>(app, id, "chart the top services");
    assert.match(lastToolResult(mock.requests[1]).error, /no result to chart yet/);
    assert.equal(body.planner, "llm");
    assert.ok(body.chart_url);
  },
});

Deno.test({
  name: "llm: knowledge questions search the knowledge base and cite the passages",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(toolCalls(["search_knowledge", { query: "savings plan" }]), (req) => {
      const p = lastToolResult(req).passages[0];
      return text(`A savings plan is a commitment to an hourly spend in exchange for lower rates (${p.cite}).`);
    });
    const body = await askOk<Body>(app, id, "what is a savings plan?");
    assert.equal(body.planner, "llm");
    assert.equal(body.intent, "knowledge");
    assert.equal(body.llm.prompt, "knowledge@1");
    // deno-lint-ignore no-explicit-any
    assert.deepEqual(mock.requests[0].body.tools.map((t: any) => t.function.name), ["search_knowledge"]);
    assert.ok(body.sources.some((s: Body) => s.file === "commitments.md"), JSON.stringify(body.sources));
    assert.match(body.response, /commitments\.md §/);
  },
});

Deno.test({
  name: "llm: a knowledge answer that skips the search falls back to the quoted passages",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    mock.script(text("A savings plan gives up to 72% off."));
    const body = await askOk<Body>(app, id, "what is a savings plan?");
    assert.equal(body.planner, "builtin");
    assert.match(body.llm.fallback, /without calling a tool/);
    assert.match(body.response, /Sources: `commitments\.md § Savings plans`/);
  },
});

Deno.test({
  name: "knowledge without an LLM: passages quoted with sources; uncovered topics said plainly; small talk steers",
  ...engineTest,
  async fn() {
    const id = await newSession(plain.app);
    let body = await askOk<Body>(plain.app, id, "what is a savings plan?");
    assert.equal(body.planner, "builtin");
    assert.equal(body.subagent, "knowledge");
    assert.equal(body.llm, null);
    assert.deepEqual(body.sources[0], { file: "commitments.md", heading: "Savings plans" });
    assert.match(body.response, /^\*\*Savings plans\*\*/);
    body = await askOk<Body>(plain.app, id, "explain amortized cost");
    assert.ok(body.sources.some((s: Body) => s.file === "cost-bases.md"), JSON.stringify(body.sources));
    body = await askOk<Body>(plain.app, id, "what is a kubernetes pod disruption budget?");
    assert.deepEqual(body.sources, null);
    assert.match(body.response, /isn't covered by my FinOps knowledge base/);
    body = await askOk<Body>(plain.app, id, "thanks!");
    assert.equal(body.intent, "small_talk");
    assert.match(body.response, /You're welcome/);
    // Knowledge needs no dataset.
    const empty = await newSession(plain.app, false);
    body = await askOk<Body>(plain.app, empty, "what are reserved instances?");
    assert.ok(body.sources.length);
  },
});

Deno.test({
  name: "llm: auto mode asks the model only what the rules cannot answer",
  ...engineTest,
  async fn() {
    const auto = await testApp({ ...llmConfig, llmMode: "auto" });
    try {
      const id = await newSession(auto.app);
      mock.script(text("unused"));
      let body = await askOk<Body>(auto.app, id, "top 3 services by cost");
      assert.equal(mock.requests.length, 0);
      assert.equal(body.planner, "builtin");
      assert.equal(body.llm, null);
      mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
      body = await askOk<Body>(auto.app, id, "gimme the priciest trio of offerings");
      assert.equal(mock.requests.length, 2);
      assert.equal(body.planner, "llm");
      // A question the rules read only in part (a word they did not use) goes to the model too.
      mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
      body = await askOk<Body>(auto.app, id, "top 3 services for the holiday campaign");
      assert.equal(mock.requests.length, 2);
      assert.equal(body.planner, "llm");
    } finally {
      await auto.close();
    }
  },
});

Deno.test({
  name: "llm: the per-session token budget stops LLM calls; usage is deleted with the session",
  ...engineTest,
  async fn() {
    const small = await testApp({ ...llmConfig, llmTokenBudget: 200 });
    try {
      const id = await newSession(small.app);
      mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
      let body = await askOk<Body>(small.app, id, "which three services cost the most?");
      assert.equal(body.planner, "llm");
      assert.equal(await getLlmUsage(small.deps.kv, id), 240);
      mock.script(text("never"));
      body = await askOk<Body>(small.app, id, "which three services cost the most?");
      assert.equal(mock.requests.length, 0);
      assert.equal(body.planner, "builtin");
      assert.match(body.llm.fallback, /token budget of 200 used up/);
      // Another session has its own budget.
      mock.script(toolCalls(["make_plan", TOP3_PLAN]), narrate);
      body = await askOk<Body>(small.app, await newSession(small.app), "which three services cost the most?");
      assert.equal(body.planner, "llm");
      const del = await small.app.request(`/session/${id}`, jsonReq("DELETE"));
      assert.equal(del.status, 200);
      assert.equal(await getLlmUsage(small.deps.kv, id), 0);
    } finally {
      await small.close();
    }
  },
});

Deno.test({
  name: "llm: /health reports the model and its counters; OpenAPI documents the llm and sources fields",
  ...engineTest,
  async fn() {
    const h = await (await app.request("/health")).json();
    assert.equal(h.llm.enabled, true);
    assert.equal(h.llm.model, "llama-3.3-70b-versatile");
    assert.ok(h.llm.calls > 0);
    assert.ok(h.llm.failures.timeout >= 1);
    const p = await (await plain.app.request("/health")).json();
    assert.deepEqual(p.llm, { enabled: false });
    const doc = await (await app.request("/openapi.json")).json();
    const props = doc.components.schemas.QueryResponse.properties;
    assert.ok(props.llm && props.sources);
    assert.ok(doc.components.schemas.LlmTurn.properties.fallback);
  },
});

Deno.test({
  name: "llm: cleanup",
  ...engineTest,
  async fn() {
    await running.close();
    await plain.close();
    await mock.close();
  },
});
