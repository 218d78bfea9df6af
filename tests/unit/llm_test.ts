/**
 * The pure parts of the LLM path: the number check, the SQL plan walker, tool argument
 * validation, prompts, Retry-After, filter value matching and the configuration.
 */
import assert from "node:assert/strict";
import { resolveFilterValues } from "../../agents/llm/agent.ts";
import { retryAfterMs } from "../../agents/llm/client.ts";
import { extractNumbers, roundsTo, unsupportedNumbers } from "../../agents/llm/numbers.ts";
import { fill, loadPrompt } from "../../agents/llm/prompts.ts";
import { assertReadsOnly, looksLikeQuery, planReads, wrapForSession } from "../../agents/llm/sql_guard.ts";
import { parseToolCall, TOOL_ARGS, toolDefinitions } from "../../agents/llm/tools.ts";
import { parsePlan } from "../../agents/plan_schema.ts";
import type { QueryPlan } from "../../agents/types.ts";
import { ENV_VARS, loadConfig } from "../../config.ts";
import { SecurityError } from "../../errors.ts";

const rs = (rows: unknown[][], names = rows[0]?.map((_, i) => `c${i}`) ?? []) => ({
  columns: names.map((name) => ({ name, type: "DOUBLE" })),
  rows: rows as (string | number | null)[][],
});

Deno.test("numbers: extraction reads currency, thousands, decimals, suffixes and percents; skips code", () => {
  const got = extractNumbers("EC2 cost $1,234.5 (12%), about 1.2M and €3k; `SELECT 999` ```x 42```");
  assert.deepEqual(got.map((n) => n.value), [1234.5, 12, 1_200_000, 3000]);
  assert.deepEqual(got.map((n) => n.decimals), [1, 0, 1, 0]);
  assert.equal(got[1].percent, true);
  assert.deepEqual(extractNumbers("us-east-1 and m6i.xlarge, EC2"), [], "numbers inside names are not claims");
});

Deno.test("numbers: rounding as written is accepted, in both directions of precision", () => {
  const [w] = extractNumbers("$1,234.57");
  assert.ok(roundsTo(w, 1234.5678));
  assert.ok(!roundsTo(w, 1234.5));
  assert.ok(roundsTo(extractNumbers("$1.2k")[0], 1234.5678));
  assert.ok(roundsTo(extractNumbers("$1,235")[0], 1234.5678));
  assert.ok(roundsTo(extractNumbers("12.5%")[0], 0.125), "a fraction written as a percent");
  assert.ok(!roundsTo(extractNumbers("$1.3k")[0], 1234.5678));
});

Deno.test("numbers: the check accepts derived figures and rejects invented ones", () => {
  const ev = { results: [rs([["EC2", 600], ["S3", 400]], ["svc", "cost"])], texts: ["top 2 services in May 2025"] };
  assert.deepEqual(unsupportedNumbers("EC2 cost $600.00 and S3 $400; together $1,000.", ev), []);
  assert.deepEqual(unsupportedNumbers("EC2 is 60% of the total and 50% more than S3 ($200 more).", ev), []);
  assert.deepEqual(unsupportedNumbers("EC2 is 1.5x S3, in May 2025, top 2.", ev), []);
  assert.deepEqual(unsupportedNumbers("EC2 cost $650 and grew 37%.", ev), ["$650", "37%"]);
  assert.deepEqual(unsupportedNumbers("No numbers at all.", ev), []);
  assert.deepEqual(unsupportedNumbers("Your bill was $12,345.", { results: [], texts: [] }), ["$12,345"]);
});

Deno.test("sql guard: wrapping keeps the model's query whole and bounded", () => {
  const w = wrapForSession("SELECT 1 AS x;  ; ", "billing_ab12cd34");
  assert.equal(
    w,
    'WITH billing AS (SELECT * FROM "billing_ab12cd34")\nSELECT * FROM (\nSELECT 1 AS x\n) AS answer LIMIT 5000',
  );
  assert.match(wrapForSession("SELECT 1 -- trailing comment", "billing_ab12cd34"), /comment\n\) AS answer/);
});

Deno.test("sql guard: the plan walker finds tables and table functions at any depth", () => {
  const tree = [{
    name: "PROJECTION",
    children: [{
      name: "HASH_JOIN",
      children: [
        { name: "SEQ_SCAN ", extra_info: { Table: "billing_ab" }, children: [] },
        { name: "TABLE_SCAN", extra_info: { Function: "read_csv_auto" }, children: [] },
      ],
    }],
  }];
  assert.deepEqual(planReads(tree), { tables: ["billing_ab"], functions: ["READ_CSV_AUTO"] });
  assert.doesNotThrow(() => assertReadsOnly({ tables: ["billing_ab"], functions: ["RANGE"] }, ["billing_ab"]));
  assert.throws(() => assertReadsOnly(planReads(tree), ["billing_ab"]), SecurityError);
  assert.throws(() => assertReadsOnly({ tables: ["billing_cd"], functions: [] }, ["billing_ab"]), /outside/);
});

Deno.test("sql guard: query wording is recognised without trusting keywords", () => {
  assert.ok(looksLikeQuery("SELECT 'drop table x' AS note"));
  assert.ok(looksLikeQuery("-- deleted resources\nWITH d AS (SELECT 1) SELECT * FROM d;"));
  assert.ok(looksLikeQuery("SELECT ';' AS semicolon"));
  assert.ok(!looksLikeQuery("SELECT 1; DROP TABLE billing"));
  assert.ok(!looksLikeQuery("DELETE FROM billing"));
  assert.ok(!looksLikeQuery("/* SELECT */ COPY billing TO 'x'"));
});

Deno.test("tools: arguments are validated by the app's schemas; plans may come wrapped", () => {
  const plan = {
    measure: "cost",
    basis: "billed",
    groupBy: ["ServiceName"],
    filters: [],
    time: { range: null, grain: null },
    topN: 5,
    order: "desc",
  };
  const ok = parseToolCall("make_plan", JSON.stringify({ plan }));
  assert.ok(ok.ok);
  assert.deepEqual(ok.args, plan);
  const bad = parseToolCall("make_plan", JSON.stringify({ ...plan, measure: "vibes", extra: 1 }));
  assert.ok(!bad.ok);
  assert.match(bad.error, /measure/);
  const range = parseToolCall("forecast", JSON.stringify({ horizon: { start: "2025-09-01", end: "2025-08-01" } }));
  assert.ok(!range.ok);
  assert.match(range.error, /label|start must be before end/);
  assert.deepEqual(parseToolCall("rm_rf", "{}"), { ok: false, name: "rm_rf", error: "unknown tool 'rm_rf'" });
  assert.equal((parseToolCall("draw_chart", "") as { ok: boolean }).ok, true, "empty arguments are {}");
  assert.ok(!parseToolCall("draw_chart", JSON.stringify({ type: "3d-pie" })).ok);
});

Deno.test("tools: JSON-schema definitions come from the same zod schemas", () => {
  const defs = toolDefinitions();
  assert.deepEqual(defs.map((d) => d.function?.name), Object.keys(TOOL_ARGS));
  const mk = defs.find((d) => d.function?.name === "make_plan")!.function!.parameters as Record<string, unknown>;
  const props = mk.properties as Record<string, { enum?: string[] }>;
  assert.deepEqual(props.measure.enum, ["cost", "quantity", "rows", "resources", "avg_daily_cost"]);
  assert.ok((mk.required as string[]).includes("basis"));
  assert.equal("$schema" in mk, false);
  assert.deepEqual(toolDefinitions(["search_knowledge"]).map((d) => d.function?.name), ["search_knowledge"]);
});

Deno.test("plans: parsePlan accepts the planner's own plans and reports problems by field", () => {
  const r = parsePlan({ measure: "cost" });
  assert.ok(!r.ok);
  assert.match(r.error, /basis/);
  assert.match(r.error, /groupBy/);
});

Deno.test("prompts: loaded with their version; placeholders must all be filled", async () => {
  const p = await loadPrompt("planner");
  assert.equal(p.version, "planner@2");
  assert.doesNotMatch(p.text, /^<!--/);
  assert.equal(fill("Hi {{who}}, {{n}}", { who: "you", n: 3 }), "Hi you, 3");
  assert.throws(() => fill("{{missing}}", {}), /missing/);
  const names = [...p.text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(
    names,
    ["bases", "basis", "columns", "currency", "dataset", "end", "memory", "rows", "start", "today", "values"],
  );
  assert.equal((await loadPrompt("repair")).version, "repair@1");
  assert.equal((await loadPrompt("knowledge")).version, "knowledge@1");
});

Deno.test("client: Retry-After in seconds, as a date, or retry-after-ms", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(retryAfterMs(h({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(h({ "retry-after-ms": "150" })), 150);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now), 5000);
  assert.equal(retryAfterMs(h({ "retry-after": "soon" })), null);
  assert.equal(retryAfterMs(undefined), null);
});

Deno.test("filters: values are matched to the data's spelling, or refused with real ones", () => {
  const plan: QueryPlan = {
    measure: "cost",
    basis: "billed",
    groupBy: [],
    filters: [{ column: "ServiceName", op: "in", values: ["amazon ec2"] }],
    time: { range: null, grain: null },
    topN: null,
    order: "desc",
  };
  const values = { ServiceName: [{ value: "Amazon EC2", n: 10 }, { value: "Amazon S3", n: 5 }] };
  assert.deepEqual(resolveFilterValues(plan, values).filters[0].values, ["Amazon EC2"]);
  assert.throws(
    () => resolveFilterValues({ ...plan, filters: [{ column: "ServiceName", op: "in", values: ["Amazon"] }] }, values),
    /ServiceName has no value "Amazon"; values include "Amazon EC2", "Amazon S3"/,
  );
  const free = { ...plan, filters: [{ column: "ResourceId", op: "in" as const, values: ["i-1"] }] };
  assert.deepEqual(resolveFilterValues(free, values), free, "columns without an index pass as they are");
});

Deno.test("config: LLM settings from the environment, with safe defaults", () => {
  const none = loadConfig(() => undefined);
  assert.equal(none.groqApiKey, null);
  assert.equal(none.groqModel, "llama-3.3-70b-versatile");
  assert.equal(none.llmMode, "auto");
  assert.equal(none.llmTokenBudget, 200_000);
  const env: Record<string, string> = {
    GROQ_API_KEY: " gsk_x ",
    GROQ_MODEL: "m",
    GROQ_MAX_RETRIES: "0",
    FINOPS_LLM_MODE: "Always",
    GROQ_TIMEOUT_MS: "500",
  };
  const c = loadConfig((k) => env[k]);
  assert.equal(c.groqApiKey, "gsk_x");
  assert.equal(c.groqMaxRetries, 0);
  assert.equal(c.llmMode, "always");
  assert.equal(c.groqTimeoutMs, 500);
  assert.throws(() => loadConfig((k) => (k === "GROQ_TIMEOUT_MS" ? "-1" : undefined)), /GROQ_TIMEOUT_MS/);
});

Deno.test("config: the start and dev tasks allow exactly the variables the app reads, and Groq's host", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))).tasks;
  for (const name of ["start", "dev"]) {
    const allowed = tasks[name].match(/--allow-env=(\S+)/)[1].split(",").sort();
    assert.deepEqual(allowed, [...ENV_VARS].sort(), name);
    assert.match(tasks[name], /--allow-net=\S*api\.groq\.com/);
  }
  // The compiled binary embeds the start task's permission set, flag for flag.
  const flags = (t: string) => t.split(/\s+/).filter((f) => /^--(allow|deny)-/.test(f)).sort();
  assert.deepEqual(flags(tasks.compile), flags(tasks.start));
});

Deno.test("config: on Deno Deploy (no variables but the platform's) the app listens on all interfaces, uses the platform KV and one small engine", () => {
  const local = loadConfig(() => undefined);
  assert.equal(local.kvPath, "./.data/finops.kv");
  assert.equal(local.host, "127.0.0.1");
  assert.ok(local.samplePath.endsWith("/data/sample_billing.csv") && local.samplePath.startsWith("/"));
  const deploy = loadConfig((k) => (k === "DENO_DEPLOYMENT_ID" ? "abc123" : undefined));
  assert.equal(deploy.kvPath, null);
  assert.equal(deploy.host, "0.0.0.0");
  // Deploy's 512 MB: one DuckDB worker and a smaller table budget than elsewhere.
  assert.deepEqual([deploy.engineWorkers, deploy.engineMemoryMb], [1, 100]);
  assert.equal(local.engineMemoryMb, 300);
  const env: Record<string, string> = { DENO_DEPLOYMENT_ID: "abc123", FINOPS_KV_PATH: "https://kv.example/x" };
  assert.equal(loadConfig((k) => env[k]).kvPath, "https://kv.example/x", "an explicit store wins");
  assert.equal(loadConfig((k) => (k === "FINOPS_KV_PATH" ? "default" : undefined)).kvPath, null);
});
